/**
 * What a build has to do besides rendering: find the sources, decide which of them to render
 * (an incremental build keeps the records of sources whose size, mtime and translations are as
 * the cache has them), and remove what the previous build put in the output that this one no
 * longer has — pages of sources gone or turned drafts, and aggregate files it did not write.
 */
import { statSync } from "node:fs";
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Cache, Outputs } from "./cache.ts";
import type { PageRecord } from "./page.ts";
import { alternatesOf } from "./paths.ts";

/**
 * Every `.md` source under `dir`, relative, with `/` separators, sorted. One `readdir` per
 * folder with the entries' types: a recursive `readdir` that returns names stats every entry
 * to find the folders (10,000 system calls at 10,000 pages). Symbolic links to folders are
 * followed, as that one does.
 */
export async function listSources(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string, prefix: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const rel = prefix + entry.name;
      // README.md files document the folder; they are not pages.
      if (entry.name.endsWith(".md") && entry.name !== "README.md") found.push(rel);
      const isDir =
        entry.isDirectory() ||
        (entry.isSymbolicLink() && (await stat(path.join(folder, entry.name)).catch(() => null))?.isDirectory());
      if (isDir) await walk(path.join(folder, entry.name), `${rel}/`);
    }
  };
  await walk(dir, "");
  return found.sort();
}

/** Which sources to render, and what is known of the others. */
export interface RenderPlan {
  /** Source file → mtime and size: stat here with a cache, else filled in as sources are read. */
  stats: Map<string, { mtimeMs: number; size: number }>;
  toRender: string[];
  /** The cached records of sources not rendered again. */
  kept: PageRecord[];
}

/**
 * What changed since the cached build; without a cache every source is rendered, and the
 * rendering threads report each one's mtime and size as they read it.
 */
export function planRender(
  sources: string[],
  files: ReadonlySet<string>,
  /** The folder each source is read from (the content's, or the platform's). */
  rootOf: (file: string) => string,
  cache: Cache | null,
  /**
   * The only sources that can have changed since the cache was made (a warm `--watch` build):
   * the others keep the cache's mtime and size without a `stat`.
   */
  changed?: ReadonlySet<string> | null,
): RenderPlan {
  const stats = new Map<string, { mtimeMs: number; size: number }>();
  if (cache) {
    for (const f of sources) {
      const cached = changed && !changed.has(f) ? cache.entries[f] : undefined;
      if (cached) {
        stats.set(f, { mtimeMs: cached.mtimeMs, size: cached.size });
        continue;
      }
      const st = statSync(path.join(rootOf(f), f));
      stats.set(f, { mtimeMs: st.mtimeMs, size: st.size });
    }
  }
  const toRender: string[] = [];
  const kept: PageRecord[] = [];
  for (const f of sources) {
    const prev = cache?.entries[f];
    const st = stats.get(f);
    // A page's translations change only with the set of sources, which a warm build's
    // `changed` files leave as it was.
    const same =
      prev &&
      st &&
      prev.mtimeMs === st.mtimeMs &&
      prev.size === st.size &&
      ((changed && !changed.has(f)) ||
        JSON.stringify(prev.record.alternates) === JSON.stringify(alternatesOf(f, files)));
    if (same) kept.push(prev.record);
    else toRender.push(f);
  }
  return { stats, toRender, kept };
}

/** Removes the page at `url` (its HTML and its twin) from the output. */
export async function removePage(outDir: string, url: string): Promise<void> {
  await rm(path.join(outDir, url, "index.html"), { force: true });
  await rm(path.join(outDir, url, "index.md"), { force: true });
}

/** Removes the pages of sources that disappeared since the previous build. */
export async function removeVanished(outDir: string, previous: Outputs, files: ReadonlySet<string>): Promise<void> {
  for (const [f, url] of Object.entries(previous.pages)) if (!files.has(f)) await removePage(outDir, url);
}

/**
 * Removes the aggregate files the previous build wrote and this one did not (a tag nobody
 * uses, fewer listing pages), unless a page of this build is there now.
 */
export async function removeStale(
  outDir: string,
  previous: Outputs,
  written: string[],
  published: PageRecord[],
): Promise<void> {
  const now = new Set(written);
  const gone = previous.files.filter((f) => !now.has(f));
  if (!gone.length) return;
  const pageFiles = new Set(published.flatMap((p) => [path.join(p.url, "index.html").slice(1), p.twin.slice(1)]));
  for (const f of gone) if (!pageFiles.has(f)) await rm(path.join(outDir, f), { force: true });
}
