/**
 * Rendering the pages: the main thread and worker threads (`render-worker.ts`) each take small
 * batches of source files on demand and run `page.ts` on them, writing each page's HTML and
 * twin and keeping its twin in the thread's spool (`spool.ts`) for `llms-full.txt`; the main
 * thread collects the records.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { bundled } from "./bundle.ts";
import type { BuildIssue } from "./checks.ts";
import type { PageContext, PageRecord, SourceStat } from "./page.ts";
import type { Progress } from "./progress.ts";
import type { WorkerInit, WorkerMessage, WorkerReply } from "./render-worker.ts";
import { openSpoolFile, Spool, type Spooled, type SpoolRange } from "./spool.ts";

/** Worker threads loading the renderer; they get the build's settings in their first message. */
export async function startWorkers(count: number, code: string): Promise<Worker[]> {
  if (count <= 0) return [];
  const script = await bundled("render-worker", code);
  // A small young generation keeps each thread's memory near what one page needs.
  return Array.from({ length: count }, () => new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 8 } }));
}

/**
 * How many workers a build of `files` pages uses beside the main thread: as many as give each
 * rendering thread at least `perThread` pages. A worker costs its start-up (a Node environment,
 * the renderer bundle, a cold JIT: ~0.15 s of CPU) before it renders anything; at 1,000 pages
 * a second thread made the build no faster and cost 0.2 s more CPU, at 2,000 it broke even,
 * at 4,000 it saved a fifth of the time (2 cores).
 */
export const workerCount = (threads: number, files: number, perThread: number) =>
  threads <= 1 ? 0 : Math.max(0, Math.min(threads - 1, Math.floor(files / perThread) - 1));
/** Default of `BuildOptions.pagesPerThread`. */
export const PAGES_PER_THREAD = 1000;
/** Files sent to a worker at a time. */
const BATCH = 32;

/**
 * Renders `files` in the main thread and — when there are enough of them to pay for the
 * threads — in worker threads (`started`: workers the build started early), writing each
 * page and its twin. Returns the pages' records, their content errors, where their twins are in
 * the spools, and the sources' mtimes and sizes as read.
 */
export async function renderAll(
  files: string[],
  ctx: PageContext,
  threads: number,
  perThread: number,
  progress: Progress,
  code: string,
  started: Promise<Worker[]> | null,
  /** Spool file descriptors, opened here as threads need them; the caller closes them. */
  spools: number[],
): Promise<{ records: PageRecord[]; errors: BuildIssue[]; spooled: Spooled; stats: SourceStat[]; threads: number }> {
  const records: PageRecord[] = [];
  const stats: SourceStat[] = [];
  const errors: BuildIssue[] = [];
  const spooled: Spooled = new Map();
  const addSpooled = (fd: number, ranges: SpoolRange[]) => {
    for (const [file, start, end] of ranges) spooled.set(file, [fd, start, end]);
  };
  // The main thread renders too: `threads` rendering threads are the main one and threads − 1
  // workers, which saves a worker's memory (its own heap and copy of the renderer) and leaves
  // no core idle while the main thread waits.
  let next = 0;
  const take = (n: number) => {
    const slice = files.slice(next, next + n);
    next += slice.length;
    return slice;
  };
  const pool = await (started ?? startWorkers(workerCount(threads, files.length, perThread), code));
  const init: WorkerInit = {
    contentDir: ctx.contentDir,
    outDir: ctx.outDir,
    baseUrl: ctx.baseUrl,
    assets: ctx.assets,
    files: [...ctx.files],
    fresh: ctx.fresh,
    dates: ctx.dates,
    platform: [...(ctx.platform ?? [])],
    platformDir: ctx.platformDir,
    nav: ctx.nav,
  };
  // One spool file for each rendering thread: the main thread's, then one per worker.
  const spoolFor = (thread: number) => {
    while (spools.length <= thread) spools.push(openSpoolFile(spoolPath(ctx.outDir, spools.length)));
    return spools[thread];
  };
  const running = Promise.all(
    pool.map(
      (worker, i) =>
        new Promise<void>((resolve, reject) => {
          const spool = spoolFor(i + 1);
          let inFlight = 0;
          const send = () => {
            const files = take(BATCH);
            if (files.length === 0) return;
            worker.postMessage(files satisfies WorkerMessage);
            inFlight++;
          };
          const finish = () => {
            if (inFlight === 0) void worker.terminate().then(() => resolve());
          };
          worker.on("message", (reply: WorkerReply) => {
            inFlight--;
            for (const r of reply.records) records.push(r);
            for (const e of reply.errors) errors.push(e);
            if (spool !== undefined) addSpooled(spool, reply.spooled);
            for (const st of reply.stats) stats.push(st);
            progress.tick(reply.records.length + reply.errors.length);
            send();
            finish();
          });
          worker.on("error", reject);
          // Messages queue until the worker listens: the settings, then two batches, so the
          // worker never waits for a busy main thread.
          worker.postMessage({ kind: "init", init: { ...init, spool } } satisfies WorkerMessage);
          send();
          send();
          finish();
        }),
    ),
  );
  // Awaited below; until then a failing worker must not count as an unhandled rejection.
  running.catch(() => {});
  try {
    await renderHere();
    await running;
  } catch (error) {
    await Promise.all(pool.map((w) => w.terminate()));
    throw error;
  }
  return { records, errors, spooled, stats, threads: 1 + pool.length };

  async function renderHere() {
    // Loaded here only: a build that renders nothing never loads marked, zod or the sanitizer.
    const { buildPage, ContentError } = (await import(
      (
        await bundled("page", code)
      ).href
    )) as typeof import("./page.ts");
    const fd = spoolFor(0);
    const here: PageContext = { ...ctx, spool: fd === undefined ? undefined : new Spool(fd), stats };
    // Small batches in the main thread, yielding between them so worker replies are handled.
    for (let mine = take(8); mine.length > 0; mine = take(8)) {
      for (const file of mine) {
        try {
          records.push(detach(buildPage(file, here)));
        } catch (error) {
          if (!(error instanceof ContentError)) throw error;
          errors.push({ file: error.file, line: error.line, reason: error.reason });
        }
      }
      progress.tick(mine.length);
      if (pool.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (fd !== undefined && here.spool) addSpooled(fd, here.spool.flush());
  }
}

/** A spool file's name (removed as soon as it is open), beside the output like the cache. */
const spoolPath = (outDir: string, i: number) =>
  path.join(path.dirname(outDir), `.${path.basename(outDir)}-spool-${process.pid}-${i}.tmp`);

const SEP = "\u0000";

/**
 * The record with its own copies of the strings that come from the page's source (front
 * matter values, tags, link targets), as a worker's reply would have: V8 keeps a substring as
 * a slice of the whole source, so kept records would keep every source of the site in memory.
 * One join makes one small new string and the split parts point into it — a tenth of the cost
 * of `structuredClone` on the whole record. (A NUL inside a value falls back to the clone.)
 */
function detach(r: PageRecord): PageRecord {
  const parts = [r.title, r.description, r.date ?? "", r.updated ?? "", r.slug, ...r.tags, ...r.links]
    .join(SEP)
    .split(SEP);
  const tags = r.tags.length;
  if (parts.length !== 5 + tags + r.links.length) return structuredClone(r);
  return {
    ...r,
    title: parts[0] as string,
    description: parts[1] as string,
    date: r.date === undefined ? undefined : parts[2],
    updated: r.updated === undefined ? undefined : parts[3],
    slug: parts[4] as string,
    tags: parts.slice(5, 5 + tags),
    links: parts.slice(5 + tags),
  };
}
