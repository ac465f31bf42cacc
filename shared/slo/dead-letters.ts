/**
 * What the dead-letter queues hold, as far as a Worker can know it. Cloudflare offers no
 * binding to read a queue's backlog (only the account's GraphQL Analytics API does, with an
 * API token: docs/operations.md), and our DLQ consumers drain each DLQ at once, turning every
 * message into a row: a delivery marked failed (`markDeadLettered`), a job failed before it
 * ever started (`consumeDeadJobs`). So "the DLQ is non-empty" reads here as "a dead-lettered
 * row is still unhandled": a delivery that nobody re-drove, a job from the lookback window.
 * Webhook deliveries are left out: their dead letter is indistinguishable from an endpoint
 * that refused for good.
 */

/** The error `markDeadLettered` (shared/notifications/delivery-log.ts) writes on the delivery. */
export const DEAD_NOTIFICATION_ERROR = "gave up after every retry";
/** The error `consumeDeadJobs` (workers/queues/jobs.ts) writes on the submission. */
export const DEAD_JOB_ERROR = "The request could not be started. Please submit it again.";

/** Unhandled dead letters per queue stem dead-lettered in [from, to), with the oldest's time. */
export interface DeadLetters {
  queue: "jobs" | "notifications";
  count: number;
  oldestAt: number | null;
}

/** Dead letters recorded in [from, to) that are still unhandled (a re-drive clears a delivery's). */
export async function deadLetters(d1: D1Database, from: number, to: number): Promise<DeadLetters[]> {
  const [jobs, notes] = await d1.batch<{ n: number; oldest: number | null }>([
    d1
      .prepare(
        `SELECT COUNT(*) AS n, MIN(completed_at) AS oldest FROM submissions
         WHERE status = 'failed' AND error = ? AND completed_at >= ? AND completed_at < ?`,
      )
      .bind(DEAD_JOB_ERROR, from, to),
    d1
      .prepare(
        `SELECT COUNT(*) AS n, MIN(updated_at) AS oldest FROM notifications
         WHERE status = 'failed' AND error = ? AND updated_at >= ? AND updated_at < ?`,
      )
      .bind(DEAD_NOTIFICATION_ERROR, from, to),
  ]);
  const of = (queue: DeadLetters["queue"], r: { results: { n: number; oldest: number | null }[] } | undefined) => ({
    queue,
    count: Number(r?.results[0]?.n ?? 0),
    oldestAt: r?.results[0]?.oldest ?? null,
  });
  return [of("jobs", jobs), of("notifications", notes)];
}

/** Work the app knows is waiting per queue: rows whose message is queued and not yet done. */
export async function pendingWork(d1: D1Database): Promise<{ queue: string; count: number }[]> {
  const [jobs, notes, hooks] = await d1.batch<{ n: number }>([
    d1.prepare("SELECT COUNT(*) AS n FROM submissions WHERE status = 'queued'"),
    d1.prepare("SELECT COUNT(*) AS n FROM notifications WHERE status IN ('queued', 'sending')"),
    d1.prepare("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'pending'"),
  ]);
  return [
    { queue: "jobs", count: Number(jobs?.results[0]?.n ?? 0) },
    { queue: "notifications", count: Number(notes?.results[0]?.n ?? 0) },
    { queue: "webhooks", count: Number(hooks?.results[0]?.n ?? 0) },
  ];
}
