/**
 * The service level objectives, in one place: what each one measures, what counts as a good
 * event, its target and the period its error budget covers; the windows the dashboard shows;
 * the multi-window burn-rate alert pairs (Google SRE workbook, "Alerting on SLOs", table 5-8);
 * the latency histogram's buckets; and the thresholds of the other alert rules. Everything that
 * computes, draws or alerts reads these constants, so a target changes here and nowhere else.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Where an SLO's events come from: the request rollup, or rows in D1. */
export type SloSource = "http" | "http-api-latency" | "jobs" | "jobs-latency" | "notifications";

export interface SloDefinition {
  /** Stable id: a label in tables, alert keys and chart ids. */
  id: string;
  name: string;
  /** The share of good events promised, e.g. 0.999. The error budget is `1 - target`. */
  target: number;
  /** What an event is and when it is good, in words (shown on the dashboard). */
  good: string;
  source: SloSource;
}

/**
 * The plan's five targets. `errors` and `availability` differ on purpose: availability counts
 * every HTTP answer (a 5xx is bad), errors counts the work itself (a finished job that failed
 * is bad), so a pipeline that fails quietly behind 202 answers still spends a budget.
 */
export const SLOS = [
  {
    id: "availability",
    name: "Availability",
    target: 0.999,
    good: "HTTP requests answered without a 5xx status (every route)",
    source: "http",
  },
  {
    id: "latency",
    name: "API latency",
    target: 0.99,
    good: "API requests (/v1/…) answered in under 200 ms",
    source: "http-api-latency",
  },
  {
    id: "errors",
    name: "Processing errors",
    target: 0.999,
    good: "finished jobs that completed rather than failed (cancelled jobs are not counted)",
    source: "jobs",
  },
  {
    id: "processing",
    name: "AI processing time",
    target: 0.99,
    good: "completed jobs whose result was ready within 5 minutes of acceptance",
    source: "jobs-latency",
  },
  {
    id: "delivery",
    name: "Notification delivery",
    target: 0.99,
    good: "finished deliveries that were sent or delivered rather than failed",
    source: "notifications",
  },
] as const satisfies readonly SloDefinition[];

export type SloId = (typeof SLOS)[number]["id"];

/** The period every error budget covers. */
export const SLO_PERIOD_MS = 30 * DAY;

/** The windows the dashboard shows each SLO over. */
export const SLO_WINDOWS = [
  { id: "1h", label: "1 hour", ms: HOUR },
  { id: "24h", label: "24 hours", ms: DAY },
  { id: "30d", label: "30 days", ms: SLO_PERIOD_MS },
] as const;

/** An API request slower than this is a bad event of the latency SLO. */
export const API_LATENCY_THRESHOLD_MS = 200;
/** A job that takes longer than this from acceptance to completion is a bad event. */
export const PROCESSING_THRESHOLD_MS = 5 * MINUTE;
/** Routes the latency SLO covers: the API. */
export const isApiRoute = (route: string) => route.startsWith("/v1/") || route === "/v1";

/**
 * Multi-window, multi-burn-rate alerts: fire when both the long and the short window burn the
 * budget at least `burnRate` times faster than the period allows. The short window makes the
 * alert resolve soon after the burning stops.
 */
export const BURN_RATE_ALERTS = [
  { id: "fast", longMs: HOUR, shortMs: 5 * MINUTE, burnRate: 14.4, severity: "page" },
  { id: "slow", longMs: 6 * HOUR, shortMs: 30 * MINUTE, burnRate: 6, severity: "ticket" },
] as const;

/**
 * Fewer events than this in a pair's long window raise no burn-rate alert: at low traffic one
 * failed request out of three is a 33 % error rate, a burn rate in the hundreds, and no outage.
 */
export const BURN_MIN_EVENTS = 10;

/** A dead-lettered item still unhandled this long holds the DLQ alert open… */
export const DLQ_FOR_MS = 10 * MINUTE;
/** …if it was dead-lettered within this lookback (jobs cannot be re-driven, so they age out). */
export const DLQ_LOOKBACK_MS = DAY;
/** A provider whose every call failed over this window (with at least `PROVIDER_MIN_CALLS`). */
export const PROVIDER_DOWN_MS = 5 * MINUTE;
export const PROVIDER_MIN_CALLS = 1;
/** A channel delivering less than this share of its finished deliveries over the window. */
export const CHANNEL_MIN_RATE = 0.95;
export const CHANNEL_WINDOW_MS = HOUR;
/** Fewer finished deliveries than this in the window say nothing about a channel. */
export const CHANNEL_MIN_DELIVERIES = 5;

/**
 * Upper bounds (seconds) of the request-duration histogram. 0.2 is one of them, so the
 * latency SLO is read exactly from the buckets; `+Inf` is the count itself.
 */
export const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10] as const;
/** The bucket index whose upper bound is the latency SLO's threshold. */
export const LATENCY_SLO_BUCKET = (LATENCY_BUCKETS_S as readonly number[]).indexOf(API_LATENCY_THRESHOLD_MS / 1000);

/** Job-duration histogram bounds (seconds) for `/metrics`; 300 is the processing SLO's bound. */
export const JOB_BUCKETS_S = [5, 15, 30, 60, 120, 300, 600, 1800] as const;
