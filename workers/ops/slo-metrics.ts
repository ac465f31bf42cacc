/**
 * The `/metrics` sections beyond D1's counts: every request by route pattern, method and status
 * class with its latency histogram (lifetime totals of the `HttpMetrics` rollup, so the counters
 * only go up), job durations from acceptance to completion (D1, last 24 hours), the work waiting
 * per queue and the unhandled dead letters (D1: no binding reads a queue's own backlog, see
 * shared/slo/dead-letters.ts), and every SLO's value, burn rate and budget left per window.
 */

import { sloReport } from "../../shared/slo/compute";
import { DLQ_LOOKBACK_MS, JOB_BUCKETS_S, LATENCY_BUCKETS_S } from "../../shared/slo/config";
import { deadLetters, pendingWork } from "../../shared/slo/dead-letters";
import { readRollup } from "../../shared/slo/http";
import { mergeRows, type RollupRow } from "../../shared/slo/rollup";
import { family, histogramLines, sample } from "./prom";

/** The lifetime rows folded to (route, method): the histogram's label set. */
function byRouteMethod(rows: readonly RollupRow[]): RollupRow[] {
  return mergeRows([rows.map((r) => ({ ...r, code: "" }))]);
}

/** Job durations (accepted → finished) of jobs finished in the last 24 hours, per outcome. */
async function jobDurations(d1: D1Database, since: number) {
  const cols = JOB_BUCKETS_S.map((le, i) => `SUM(completed_at - created_at <= ${le * 1000}) AS b${i}`).join(", ");
  const { results } = await d1
    .prepare(
      `SELECT status, COUNT(*) AS n, SUM(completed_at - created_at) AS sum_ms, ${cols} FROM submissions
       WHERE completed_at >= ? AND status IN ('completed', 'failed') GROUP BY status`,
    )
    .bind(since)
    .all<Record<string, number | string>>();
  return results.map((r) => {
    // SQL gave cumulative counts; the histogram writer wants them per bucket.
    const cumulative = JOB_BUCKETS_S.map((_, i) => Number(r[`b${i}`] ?? 0));
    return {
      labels: { outcome: String(r.status) },
      buckets: cumulative.map((v, i) => v - (i > 0 ? (cumulative[i - 1] ?? 0) : 0)),
      count: Number(r.n),
      sum: Number(r.sum_ms ?? 0) / 1000,
    };
  });
}

/** The Prometheus families of requests, jobs, queues and SLOs. */
export async function renderSloMetrics(env: Env, now: number): Promise<string> {
  const [lifetime, jobs, pending, dead, report] = await Promise.all([
    readRollup(env, 0, 0, now),
    jobDurations(env.DB, now - 24 * 3_600_000),
    pendingWork(env.DB),
    deadLetters(env.DB, now - DLQ_LOOKBACK_MS, now),
    sloReport(env, now),
  ]);
  const sloLines = (pick: (f: (typeof report)[number]["windows"][number]["figure"]) => number | null, name: string) =>
    report.flatMap((r) =>
      r.windows.flatMap((w) => {
        const v = pick(w.figure);
        return v === null ? [] : [sample(name, { slo: r.slo.id, window: w.id }, v)];
      }),
    );
  return [
    family(
      "http_requests_total",
      "counter",
      "HTTP requests by matched route pattern, method and status class (2xx … 5xx).",
      lifetime.map((r) => sample("http_requests_total", { route: r.route, method: r.method, code: r.code }, r.count)),
    ),
    family(
      "http_request_duration_seconds",
      "histogram",
      "HTTP request durations by matched route pattern and method.",
      histogramLines(
        "http_request_duration_seconds",
        LATENCY_BUCKETS_S,
        byRouteMethod(lifetime).map((r) => ({
          labels: { route: r.route, method: r.method },
          buckets: r.buckets,
          count: r.count,
          sum: r.sumMs / 1000,
        })),
      ),
    ),
    family(
      "statex_job_duration_last_24h_seconds",
      "histogram",
      "Jobs finished in the last 24 hours: time from acceptance to the final state, by outcome (from D1).",
      histogramLines("statex_job_duration_last_24h_seconds", JOB_BUCKETS_S, jobs),
    ),
    family(
      "statex_queue_pending",
      "gauge",
      "Work waiting per queue, as D1 knows it (queued jobs, deliveries, webhook attempts); not the queue's own backlog.",
      pending.map((p) => sample("statex_queue_pending", { queue: p.queue }, p.count)),
    ),
    family(
      "statex_dead_letters",
      "gauge",
      "Dead-lettered items of the last 24 hours still unhandled, per queue (from the rows the DLQ consumers write).",
      dead.map((d) => sample("statex_dead_letters", { queue: d.queue }, d.count)),
    ),
    family(
      "statex_slo_ratio",
      "gauge",
      "Share of good events per SLO and window (absent when the window had no event).",
      sloLines((f) => f.value, "statex_slo_ratio"),
    ),
    family(
      "statex_slo_target",
      "gauge",
      "Each SLO's target share of good events.",
      report.map((r) => sample("statex_slo_target", { slo: r.slo.id }, r.slo.target)),
    ),
    family(
      "statex_slo_burn_rate",
      "gauge",
      "Error-budget burn rate per SLO and window (1 spends the 30-day budget in exactly 30 days).",
      sloLines((f) => f.burnRate, "statex_slo_burn_rate"),
    ),
    family(
      "statex_slo_error_budget_remaining",
      "gauge",
      "Share of the 30-day error budget left (per window: what would be left if its rate held).",
      sloLines((f) => f.budgetLeft, "statex_slo_error_budget_remaining"),
    ),
  ].join("\n\n");
}
