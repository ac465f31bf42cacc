/**
 * Worker thread of the site build: renders the files it is sent and answers with their records.
 * It starts while the main thread is still planning (loading the renderer takes a while), gets
 * the build's settings in a first message, then files in small batches on demand, so a thread
 * that meets long pages does not hold up the others.
 */
import { parentPort } from "node:worker_threads";
import { ContentError } from "./frontmatter.ts";
import { buildPage, type PageContext, type SourceStat } from "./page.ts";
import { Spool, type SpoolRange } from "./spool.ts";

export interface WorkerInit {
  contentDir: string;
  outDir: string;
  baseUrl: string;
  assets: PageContext["assets"];
  files: string[];
  fresh?: boolean;
  dates?: PageContext["dates"];
  platform?: string[];
  platformDir?: string;
  nav?: PageContext["nav"];
  /** The descriptor of this worker's spool file (see spool.ts), when the build keeps one. */
  spool?: number;
}

export type WorkerReply = {
  kind: "done";
  records: import("./page.ts").PageRecord[];
  errors: { file: string; line: number; reason: string }[];
  /** Where the batch's twins are in the worker's spool (written to it before this reply). */
  spooled: SpoolRange[];
  /** The batch's sources' mtimes and sizes, as read. */
  stats: SourceStat[];
};

/** First the build's settings (the thread may start before they are known), then batches. */
export type WorkerMessage = { kind: "init"; init: WorkerInit } | string[];

let context: PageContext | null = null;

parentPort?.on("message", (message: WorkerMessage) => {
  if (!Array.isArray(message)) {
    const { spool, ...init } = message.init;
    context = {
      ...init,
      files: new Set(init.files),
      platform: new Set(init.platform),
      spool: spool === undefined ? undefined : new Spool(spool),
      stats: [],
    };
    return;
  }
  if (!context) throw new Error("render worker: a batch before the build's settings");
  const records = [];
  const errors = [];
  for (const file of message) {
    try {
      records.push(buildPage(file, context));
    } catch (error) {
      if (error instanceof ContentError) errors.push({ file: error.file, line: error.line, reason: error.reason });
      else errors.push({ file, line: 1, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  const spooled = context.spool?.flush() ?? [];
  const stats = context.stats?.splice(0) ?? [];
  parentPort?.postMessage({ kind: "done", records, errors, spooled, stats } satisfies WorkerReply);
});
