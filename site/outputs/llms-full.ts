/**
 * `llms-full.txt`: every twin, in `llms.txt` order, each after a `<!-- URL -->` line. The
 * twins are read back as bytes (no decoding) — from the rendering threads' spools, or from
 * their files — into the streaming writer (`stream.ts`), so memory stays flat and makes no
 * garbage. An incremental build copies the unchanged pages' stretches from the previous file
 * instead (one read per run of unchanged pages, not one file per page), then renames the new
 * file over it. Where each page's text ended up is kept for the next incremental build.
 */
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import type { Spooled } from "../spool.ts";
import { BufferedFile } from "../stream.ts";
import type { LlmsGroup } from "./llms.ts";
import type { OutputContext } from "./output.ts";

/** Where each page's text is in `llms-full.txt`: source file → [start, end) in bytes. */
export interface LlmsIndex {
  size: number;
  ranges: Record<string, [number, number]>;
}

export interface LlmsFullSources {
  /** Where each page's text is in the previous `llms-full.txt` (incremental builds). */
  previous?: LlmsIndex;
  /** Sources this build did not re-render (their twins are as they were). */
  unchanged?: ReadonlySet<string>;
  /** Where this build's rendered twins are in the spools (others are read from their files). */
  spooled?: Spooled;
}

const TWO_NEWLINES = Buffer.from("\n\n");

/** Writes `llms-full.txt` for these `llms.txt` sections and returns where each page's text is. */
export function writeLlmsFull(c: OutputContext, groups: LlmsGroup[], o: LlmsFullSources): LlmsIndex {
  const outDir = c.out.dir;
  const fullPath = path.join(outDir, "llms-full.txt");
  const tmpPath = `${fullPath}.${process.pid}.tmp`;
  const ranges: Record<string, [number, number]> = {};
  const fd = openSync(tmpPath, "w");
  let old: number | null = null;
  try {
    if (o.previous && existsSync(fullPath)) {
      old = openSync(fullPath, "r");
      if (fstatSync(old).size !== o.previous.size) {
        closeSync(old);
        old = null;
      }
    }
    const out = new BufferedFile(fd);
    // A run of unchanged pages that follow each other in the old file too: copied in one go.
    let run: [number, number] | null = null;
    const copyRun = () => {
      if (!run || old === null) return;
      const size = run[1] - run[0];
      if (out.appendFrom(old, size, run[0]) !== size) throw new Error("llms-full.txt changed while it was read");
      run = null;
    };
    for (const [, list] of groups) {
      for (const p of list) {
        const reuse = old !== null && o.unchanged?.has(p.file) ? o.previous?.ranges[p.file] : undefined;
        if (reuse) {
          // Extend the pending run when this page follows it in the old file too.
          if (!run || run[1] !== reuse[0]) {
            copyRun();
            run = [reuse[0], reuse[0]];
          }
          const start = out.position + (run[1] - run[0]);
          run[1] = reuse[1];
          ranges[p.file] = [start, start + (reuse[1] - reuse[0])];
          continue;
        }
        copyRun();
        const start = out.position;
        out.append(Buffer.from(`<!-- ${c.baseUrl}${p.url} -->\n`));
        const spooled = o.spooled?.get(p.file);
        if (spooled) {
          // Already trimmed.
          const [from, at, end] = spooled;
          if (out.appendFrom(from, end - at, at) !== end - at) throw new Error("llms-full.txt: a spool file is short");
        } else {
          const twin = openSync(path.join(outDir, p.twin), "r");
          try {
            out.appendTrimmedFrom(twin, fstatSync(twin).size);
          } finally {
            closeSync(twin);
          }
        }
        out.append(TWO_NEWLINES);
        ranges[p.file] = [start, out.position];
      }
    }
    copyRun();
    out.flush();
  } catch (error) {
    closeSync(fd);
    rmSync(tmpPath, { force: true });
    throw error;
  } finally {
    if (old !== null) closeSync(old);
  }
  closeSync(fd);
  renameSync(tmpPath, fullPath);
  c.out.generated.add("/llms-full.txt");
  c.out.recordFile("llms-full.txt");
  return { size: statSync(fullPath).size, ranges };
}
