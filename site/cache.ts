/**
 * What one build leaves beside its output for the next (`.<out>-outputs.json` and
 * `.<out>-cache.json`, next to the output folder): the outputs file, read by every build, says
 * which pages and aggregate files are in the output and where each page's text is in
 * `llms-full.txt`; the cache, read only by an incremental build of the same generator and base
 * URL, holds every page's record with its source's mtime and size.
 */
import { closeSync, existsSync, openSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { LlmsIndex } from "./outputs/llms-full.ts";
import type { ScopeRecord } from "./outputs/output.ts";
import type { PageRecord } from "./page.ts";
import { BufferedFile } from "./stream.ts";

/** A source's record and the mtime and size it had when it was rendered. */
export interface CacheEntry {
  mtimeMs: number;
  size: number;
  record: PageRecord;
}

/** The previous build's page records, read only by an incremental build. */
export interface Cache {
  version: 3;
  codeHash: string;
  baseUrl: string;
  entries: Record<string, CacheEntry>;
}

/**
 * What the previous build put in the output, read by every build (small: a full build that
 * overwrites in place does not parse 10,000 records just to learn which files are stale).
 */
export interface Outputs {
  version: 3;
  /** Source file → its page URL. */
  pages: Record<string, string>;
  /** Files the aggregates wrote (relative to the output), so stale ones can be removed. */
  files: string[];
  llms: LlmsIndex;
  /** What each scope of the aggregates was made from and wrote (`Output.scope`). */
  scopes: Record<string, ScopeRecord>;
}

const cachePath = (outDir: string, kind: "cache" | "outputs") =>
  path.join(path.dirname(outDir), `.${path.basename(outDir)}-${kind}.json`);

async function readJson<T>(file: string, version: number): Promise<T | null> {
  if (!existsSync(file)) return null;
  try {
    const loaded = JSON.parse(await readFile(file, "utf8")) as T & { version: number };
    return loaded.version === version ? loaded : null;
  } catch {
    return null;
  }
}

/** The previous build's outputs file, or null when there is none (or of another version). */
export const readOutputs = (outDir: string) => readJson<Outputs>(cachePath(outDir, "outputs"), 3);

/** The previous build's cache, when it was made by this code (`codeHash`) for this base URL. */
export async function readCache(outDir: string, codeHash: string, baseUrl: string): Promise<Cache | null> {
  const stored = await readJson<Cache>(cachePath(outDir, "cache"), 3);
  return stored?.codeHash === codeHash && stored.baseUrl === baseUrl ? stored : null;
}

/** Writes the outputs file. */
export async function writeOutputs(outDir: string, outputs: Omit<Outputs, "version">): Promise<void> {
  await writeFile(cachePath(outDir, "outputs"), JSON.stringify({ version: 3, ...outputs } satisfies Outputs));
}

/** Each record's JSON, kept per record object: a warm process (`--watch`) encodes only the pages it rendered. */
const encoded = new WeakMap<PageRecord, string>();
function recordJson(record: PageRecord): string {
  let json = encoded.get(record);
  if (json === undefined) {
    json = JSON.stringify(record);
    encoded.set(record, json);
  }
  return json;
}

/**
 * Writes the cache, the same JSON as `JSON.stringify` of the whole `Cache`, through the
 * streaming writer: the build's peak memory is reached here, and one string of 7 MB (10,000
 * pages) with the object it is made from would add ~20 MB to it. Records without a stat are
 * left out. Returns the entries written, for the next build of a warm process.
 */
export function writeCache(
  outDir: string,
  head: Omit<Cache, "entries" | "version">,
  records: PageRecord[],
  stats: ReadonlyMap<string, { mtimeMs: number; size: number }>,
): Record<string, CacheEntry> {
  const entries: Record<string, CacheEntry> = {};
  const fd = openSync(cachePath(outDir, "cache"), "w");
  try {
    const out = new BufferedFile(fd);
    out.appendText(
      `${JSON.stringify({ version: 3, ...head } satisfies Omit<Cache, "entries">).slice(0, -1)},"entries":{`,
    );
    let first = true;
    for (const record of records) {
      const st = stats.get(record.file);
      if (!st) continue;
      entries[record.file] = { mtimeMs: st.mtimeMs, size: st.size, record };
      // `JSON.stringify` of the entry, its record's part encoded once.
      out.appendText(
        `${first ? "" : ","}${JSON.stringify(record.file)}:{"mtimeMs":${JSON.stringify(st.mtimeMs)},"size":${JSON.stringify(st.size)},"record":${recordJson(record)}}`,
      );
      first = false;
    }
    out.appendText("}}");
    out.flush();
  } finally {
    closeSync(fd);
  }
  return entries;
}
