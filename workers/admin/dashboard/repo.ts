/**
 * The admin dashboard's numbers, all derived from D1 (the source of truth; Analytics Engine is
 * optional). Each chart has one query function, so a table that changes shape changes one place.
 */
import { TERMINAL_STATUSES } from "../../../shared/db/schema";

const HOUR = 3_600_000;

/** The dashboard's window: the last `hours` hours up to `to`, in buckets of `bucketMs`. */
export interface DashboardRange {
  from: number;
  to: number;
  bucketMs: number;
}

/** Ranges the dashboard offers, in hours. */
export const RANGE_HOURS = [6, 24, 72, 168, 720] as const;

/** A window ending at `now`: hourly buckets up to 3 days, then 6-hourly, then daily. */
export function rangeOf(hours: number, now = Date.now()): DashboardRange {
  const bucketMs = hours <= 72 ? HOUR : hours <= 168 ? 6 * HOUR : 24 * HOUR;
  // Whole buckets, so the first bar is as wide as the others.
  const to = Math.ceil(now / bucketMs) * bucketMs;
  return { from: to - Math.ceil((hours * HOUR) / bucketMs) * bucketMs, to, bucketMs };
}

type Row = Record<string, string | number | null>;
const num = (v: unknown) => Number(v ?? 0) || 0;

/** The outcomes the jobs chart splits finished jobs by: the terminal statuses. */
export const OUTCOMES = TERMINAL_STATUSES;

/** Finished jobs per time bucket by outcome (by the time they finished). */
export async function jobsByOutcome(
  d1: D1Database,
  r: DashboardRange,
): Promise<{ buckets: number[]; counts: Record<(typeof OUTCOMES)[number], number[]> }> {
  const { results } = await d1
    .prepare(
      `SELECT CAST((completed_at - ?1) / ?3 AS INTEGER) AS b, status, COUNT(*) AS n FROM submissions
       WHERE completed_at >= ?1 AND completed_at < ?2 AND status IN ('completed', 'failed', 'cancelled')
       GROUP BY b, status`,
    )
    .bind(r.from, r.to, r.bucketMs)
    .all<Row>();
  const size = Math.round((r.to - r.from) / r.bucketMs);
  const buckets = Array.from({ length: size }, (_, i) => r.from + i * r.bucketMs);
  const counts = { completed: buckets.map(() => 0), failed: buckets.map(() => 0), cancelled: buckets.map(() => 0) };
  for (const row of results) {
    const list = counts[String(row.status) as keyof typeof counts];
    const i = num(row.b);
    if (list && i >= 0 && i < size) list[i] = num(row.n);
  }
  return { buckets, counts };
}

/** One step name's finished durations in the range. */
export interface StepDuration {
  step: string;
  /** Finished steps measured. */
  n: number;
  p50Ms: number;
  p95Ms: number;
}

/**
 * p50 and p95 durations of the steps that finished (`done`) in the range, per step name:
 * nearest-rank percentiles computed in SQL (window functions), so no sample leaves D1.
 */
export async function stepDurations(d1: D1Database, r: DashboardRange): Promise<StepDuration[]> {
  const { results } = await d1
    .prepare(
      `WITH d AS (
         SELECT name, finished_at - started_at AS ms,
                ROW_NUMBER() OVER (PARTITION BY name ORDER BY finished_at - started_at) AS rn,
                COUNT(*) OVER (PARTITION BY name) AS n
         FROM submission_steps
         WHERE status = 'done' AND started_at IS NOT NULL AND finished_at IS NOT NULL
           AND finished_at >= ?1 AND finished_at < ?2
       )
       SELECT name, MAX(n) AS n, MIN(CASE WHEN rn >= 0.5 * n THEN ms END) AS p50,
              MIN(CASE WHEN rn >= 0.95 * n THEN ms END) AS p95
       FROM d GROUP BY name ORDER BY name`,
    )
    .bind(r.from, r.to)
    .all<Row>();
  return results.map((row) => ({ step: String(row.name), n: num(row.n), p50Ms: num(row.p50), p95Ms: num(row.p95) }));
}

/** One AI provider's calls and failures in the range. */
export interface ProviderErrors {
  provider: string;
  calls: number;
  errors: number;
  /** errors / calls, 0–1. */
  rate: number;
}

/** AI provider calls and failed calls in the range, per provider (from `ai_usage`). */
export async function providerErrorRates(d1: D1Database, r: DashboardRange): Promise<ProviderErrors[]> {
  const { results } = await d1
    .prepare(
      `SELECT provider, COUNT(*) AS calls, SUM(CASE WHEN ok THEN 0 ELSE 1 END) AS errors FROM ai_usage
       WHERE created_at >= ?1 AND created_at < ?2 GROUP BY provider ORDER BY provider`,
    )
    .bind(r.from, r.to)
    .all<Row>();
  return results.map((row) => {
    const calls = num(row.calls);
    const errors = num(row.errors);
    return { provider: String(row.provider), calls, errors, rate: calls ? errors / calls : 0 };
  });
}

/** One channel's notification outcomes in the range. */
export interface NotificationDelivery {
  channel: string;
  sent: number;
  failed: number;
  /** Neither yet: queued, sending, or any state a channel adds. */
  pending: number;
  /** sent / (sent + failed): deliveries that reached an outcome; null before any did. */
  rate: number | null;
}

/**
 * Notification outcomes per channel for notifications created in the range, from the delivery
 * log (`notifications`: one row per delivery with its `status`). `sent` and `delivered` count
 * as delivered, `failed` as failed, `suppressed` not at all, every other status as pending.
 */
export async function notificationDelivery(d1: D1Database, r: DashboardRange): Promise<NotificationDelivery[]> {
  const { results } = await d1
    .prepare(
      `SELECT channel, status, COUNT(*) AS n FROM notifications
       WHERE created_at >= ?1 AND created_at < ?2 GROUP BY channel, status ORDER BY channel`,
    )
    .bind(r.from, r.to)
    .all<Row>();
  const byChannel = new Map<string, NotificationDelivery>();
  for (const row of results) {
    const channel = String(row.channel);
    const entry = byChannel.get(channel) ?? { channel, sent: 0, failed: 0, pending: 0, rate: null };
    const n = num(row.n);
    // `delivered` (the provider confirmed arrival) is a sent message too; `suppressed` rows were
    // never attempted (suppression list, a switched-off channel): neither outcome nor pending.
    if (row.status === "sent" || row.status === "delivered") entry.sent += n;
    else if (row.status === "failed") entry.failed += n;
    else if (row.status !== "suppressed") entry.pending += n;
    byChannel.set(channel, entry);
  }
  return [...byChannel.values()].map((e) => ({
    ...e,
    rate: e.sent + e.failed > 0 ? e.sent / (e.sent + e.failed) : null,
  }));
}

/** Everything the dashboard shows, in one round of queries. */
export async function dashboardData(d1: D1Database, r: DashboardRange) {
  const [jobs, steps, providers, notifications] = await Promise.all([
    jobsByOutcome(d1, r),
    stepDurations(d1, r),
    providerErrorRates(d1, r),
    notificationDelivery(d1, r),
  ]);
  return { range: r, jobs, steps, providers, notifications };
}
