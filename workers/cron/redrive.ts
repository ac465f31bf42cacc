/**
 * The re-drive cron job: submissions accepted but untouched for too long (their job message
 * lost, or their Durable Object stopped) go to the jobs queue again.
 */
import { db } from "../../shared/db/client";
import { createLogger } from "../../shared/log";
import type { JobMessage } from "../../shared/messages";
import { findStalled } from "../../shared/submissions/repo";

/** A submission untouched this long while `queued`/`running` is re-driven. */
export const STALL_MS = 10 * 60_000;
const BATCH = 100;

/**
 * Nothing accepted may be lost: a submission whose job message never arrived (enqueue failed
 * after the D1 write) or whose object stopped is sent to the jobs queue again. `start` is
 * idempotent, so re-driving a healthy job only re-arms its alarm.
 */
export async function redriveStalled(env: Env, now = Date.now()): Promise<number> {
  const stalled = await findStalled(db(env.DB), now - STALL_MS, BATCH);
  if (stalled.length === 0) return 0;
  await env.JOBS.sendBatch(
    stalled.map((s) => ({
      body: { kind: "job.start", submissionId: s.id, correlationId: s.correlationId } satisfies JobMessage,
    })),
  );
  createLogger({ correlationId: `cron-${now}`, component: "cron" }).warn("re-drove stalled submissions", {
    count: stalled.length,
    ids: stalled.map((s) => s.id),
  });
  return stalled.length;
}
