/**
 * What a final state sets off, each at most once: the owner's webhook endpoints hear of every
 * final state (a retried job that completes after failing announces both), and the owner of
 * a failed or cancelled job gets its notice — through the same path as the `notify` step of a
 * completed one (`shared/pipeline/notices.ts`), every delivery queued. Each is marked in the
 * job row before it is sent, so a concurrent caller (cancel racing the loop) does not send it
 * twice, and unmarked if the send fails, so the next alarm tries again.
 */
import type { Logger } from "../../shared/log";
import { tellOwner } from "../../shared/pipeline/notices";
import { announceTerminal } from "../../shared/submissions/events";
import type { JobRow } from "./schema";
import type { JobStore } from "./store";

/** Announces the job's final state and, for a failed or cancelled one, tells its owner. */
export async function settle(env: Env, store: JobStore, job: JobRow, log: Logger): Promise<void> {
  await announce(env, store, job, log);
  const event =
    job.status === "failed" ? "submission.failed" : job.status === "cancelled" ? "submission.cancelled" : null;
  if (!event || store.job()?.failure_notice_at != null) return;
  store.setJob({ failure_notice_at: Date.now() });
  try {
    await tellOwner(env, { id: job.id, correlationId: job.correlation_id }, event, log);
  } catch (error) {
    store.setJob({ failure_notice_at: null });
    throw error;
  }
  log.info("terminal notice queued", { event });
}

/** Tells the owner's webhook endpoints about the final state, once per state. */
async function announce(env: Env, store: JobStore, job: JobRow, log: Logger): Promise<void> {
  const status = job.status;
  if (status !== "completed" && status !== "failed" && status !== "cancelled") return;
  const previous = store.job()?.announced_status ?? null;
  if (previous === status) return;
  store.setJob({ announced_status: status });
  try {
    await announceTerminal(env, job.id, status, log);
  } catch (error) {
    store.setJob({ announced_status: previous });
    throw error;
  }
}
