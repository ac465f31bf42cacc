/**
 * SLO arithmetic and the counts it runs on. Each SLO is a ratio of good events to all events
 * in a window: the requests from the rollup (shared/slo/http.ts), jobs and deliveries from
 * their D1 rows. From a ratio follow the error budget left (of the period's allowance) and
 * the burn rate (how many times faster than the period allows the budget is being spent: 1
 * spends it exactly in 30 days). The arithmetic is pure and takes `now` from its caller, so the
 * alert tests move the clock by passing it.
 */
import {
  isApiRoute,
  LATENCY_SLO_BUCKET,
  PROCESSING_THRESHOLD_MS,
  SLO_WINDOWS,
  SLOS,
  type SloDefinition,
  type SloId,
} from "./config";
import { readRollup } from "./http";
import type { RollupRow } from "./rollup";

export interface Counts {
  good: number;
  total: number;
}

export interface SloFigure extends Counts {
  /** good / total; null when nothing happened in the window (no event, no verdict). */
  value: number | null;
  /** Burn rate over the window: (bad / total) / (1 - target); 0 with no events. */
  burnRate: number;
  /**
   * `1 - burnRate`: over the 30-day period, the share of its error budget not yet spent; over a
   * shorter window, what would be left if the window's rate held for the whole period. Below 0
   * when the budget is overspent.
   */
  budgetLeft: number;
}

/** The figure of `counts` against `slo`'s target. */
export function figure(slo: Pick<SloDefinition, "target">, counts: Counts): SloFigure {
  const { good, total } = counts;
  if (total <= 0) return { good, total, value: null, burnRate: 0, budgetLeft: 1 };
  const badShare = Math.max(0, total - good) / total;
  const allowed = 1 - slo.target;
  const burnRate = badShare / allowed;
  return { good, total, value: good / total, burnRate, budgetLeft: 1 - burnRate };
}

/** Request counts of the availability and latency SLOs from rollup rows. */
export function httpCounts(rows: readonly RollupRow[]): { availability: Counts; latency: Counts } {
  const availability = { good: 0, total: 0 };
  const latency = { good: 0, total: 0 };
  for (const r of rows) {
    availability.total += r.count;
    if (r.code !== "5xx") availability.good += r.count;
    if (isApiRoute(r.route)) {
      latency.total += r.count;
      latency.good += r.buckets.slice(0, LATENCY_SLO_BUCKET + 1).reduce((a, b) => a + b, 0);
    }
  }
  return { availability, latency };
}

type Row = Record<string, number | null>;
const n = (v: unknown) => Number(v ?? 0) || 0;

/**
 * Job and delivery counts of [from, to) from D1, in one batch. Jobs are counted when they
 * finish; the processing SLO leaves out jobs held for staff review (`review_policy = 'review'`),
 * whose time waiting for a person is not processing.
 */
export async function d1Counts(
  d1: D1Database,
  from: number,
  to: number,
): Promise<Record<"errors" | "processing" | "delivery", Counts>> {
  const [jobs, processing, delivery] = await d1.batch<Row>([
    d1
      .prepare(
        `SELECT COUNT(*) AS total, SUM(status = 'completed') AS good FROM submissions
         WHERE completed_at >= ? AND completed_at < ? AND status IN ('completed', 'failed')`,
      )
      .bind(from, to),
    d1
      .prepare(
        `SELECT COUNT(*) AS total, SUM(completed_at - created_at <= ?) AS good FROM submissions
         WHERE completed_at >= ? AND completed_at < ? AND status = 'completed' AND review_policy <> 'review'`,
      )
      .bind(PROCESSING_THRESHOLD_MS, from, to),
    d1
      .prepare(
        `SELECT COUNT(*) AS total, SUM(status IN ('sent', 'delivered')) AS good FROM notifications
         WHERE status IN ('sent', 'delivered', 'failed') AND updated_at >= ? AND updated_at < ?`,
      )
      .bind(from, to),
  ]);
  const c = (r: { results: Row[] } | undefined) => ({ good: n(r?.results[0]?.good), total: n(r?.results[0]?.total) });
  return { errors: c(jobs), processing: c(processing), delivery: c(delivery) };
}

/** Every SLO's counts over [now - ms, now). */
export async function sloCounts(env: Env, ms: number, now: number): Promise<Record<SloId, Counts>> {
  const [rows, d1] = await Promise.all([readRollup(env, now - ms, now, now), d1Counts(env.DB, now - ms, now)]);
  return { ...httpCounts(rows), ...d1 };
}

/** One SLO's figures over each dashboard window. */
export interface SloReport {
  slo: SloDefinition;
  windows: { id: string; label: string; figure: SloFigure }[];
}

/** Every SLO over 1 hour, 24 hours and 30 days, as the dashboard shows them. */
export async function sloReport(env: Env, now: number): Promise<SloReport[]> {
  const perWindow = await Promise.all(SLO_WINDOWS.map((w) => sloCounts(env, w.ms, now)));
  return SLOS.map((slo) => ({
    slo,
    windows: SLO_WINDOWS.map((w, i) => ({
      id: w.id,
      label: w.label,
      figure: figure(slo, (perWindow[i] as Record<SloId, Counts>)[slo.id]),
    })),
  }));
}
