/**
 * Worker thread of the site build: renders the files it is sent and answers with their records.
 * Files arrive in small batches on demand, so a thread that meets long pages does not hold up
 * the others.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ContentError } from "./frontmatter.ts";
import { buildPage, type PageContext } from "./page.ts";

export interface WorkerInit {
  contentDir: string;
  outDir: string;
  baseUrl: string;
  assets: PageContext["assets"];
  files: string[];
}

export type WorkerReply =
  | {
      kind: "done";
      records: import("./page.ts").PageRecord[];
      errors: { file: string; line: number; reason: string }[];
    }
  | { kind: "ready" };

const init = workerData as WorkerInit;
const context: PageContext = { ...init, files: new Set(init.files) };

parentPort?.on("message", (batch: string[]) => {
  const records = [];
  const errors = [];
  for (const file of batch) {
    try {
      records.push(buildPage(file, context));
    } catch (error) {
      if (error instanceof ContentError) errors.push({ file: error.file, line: error.line, reason: error.reason });
      else errors.push({ file, line: 1, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  parentPort?.postMessage({ kind: "done", records, errors } satisfies WorkerReply);
});
parentPort?.postMessage({ kind: "ready" } satisfies WorkerReply);
