/**
 * The request rollup: what one HTTP request contributes (route pattern, method, status class,
 * duration) and how the `HttpMetrics` Durable Object keeps it in its SQLite storage — per
 * minute (kept 2 days), per hour (kept 31 days) and for its lifetime (the `/metrics` counters,
 * which must never go down). Each level is one row per (start, route, method, code) holding the
 * count, the summed duration and the histogram's per-bucket counts, so a request costs three
 * upserts in the object and no D1 write. Labels are bounded: the route is the matched pattern
 * (never the raw path), the method is one of a fixed list, the code one of five classes.
 */
import { LATENCY_BUCKETS_S } from "./config";

/** One measured request, as the Worker sends it. */
export interface RequestPoint {
  route: string;
  method: string;
  /** HTTP status; stored as its class (`2xx` … `5xx`). */
  status: number;
  durationMs: number;
  /** When it finished (ms since the epoch). */
  at: number;
}

/** A window's aggregate for one (route, method, code). */
export interface RollupRow {
  route: string;
  method: string;
  code: string;
  count: number;
  sumMs: number;
  /** Per-bucket (not cumulative) counts, one per `LATENCY_BUCKETS_S` bound; overflow is `count - Σ`. */
  buckets: number[];
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** Resolution 0: the lifetime totals (start 0). */
export const LIFETIME = 0;
export const KEEP_MINUTES_MS = 2 * 24 * HOUR_MS;
export const KEEP_HOURS_MS = 31 * 24 * HOUR_MS;

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** Any other method (clients may send any token) is `OTHER`, so the label stays bounded. */
export const methodLabel = (m: string) => (METHODS.has(m.toUpperCase()) ? m.toUpperCase() : "OTHER");
/** `2xx` … `5xx`; anything out of range is `5xx` (it is not an answer a client can use). */
export const statusClass = (status: number) =>
  status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : "5xx";
/** Route patterns are the app's own, but a pattern longer than this is cut (defence in depth). */
export const routeLabel = (route: string | undefined) => (route || "unmatched").slice(0, 120);

/** The index of the first bucket whose bound holds `durationMs`; `LATENCY_BUCKETS_S.length` past the last. */
export function bucketIndex(durationMs: number): number {
  const s = Math.max(0, durationMs) / 1000;
  const i = LATENCY_BUCKETS_S.findIndex((le) => s <= le);
  return i === -1 ? LATENCY_BUCKETS_S.length : i;
}

const B = LATENCY_BUCKETS_S.map((_, i) => `b${i}`);

/** The object's schema; `CREATE … IF NOT EXISTS`, run once per object start. */
export function setupRollup(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS rollup (
    res INTEGER NOT NULL, start INTEGER NOT NULL, route TEXT NOT NULL, method TEXT NOT NULL, code TEXT NOT NULL,
    count INTEGER NOT NULL, sum_ms REAL NOT NULL, ${B.map((b) => `${b} INTEGER NOT NULL DEFAULT 0`).join(", ")},
    PRIMARY KEY (res, start, route, method, code))`);
}

const UPSERT = `INSERT INTO rollup (res, start, route, method, code, count, sum_ms, ${B.join(", ")})
  VALUES (?, ?, ?, ?, ?, ?, ?, ${B.map(() => "?").join(", ")})
  ON CONFLICT (res, start, route, method, code) DO UPDATE SET count = count + excluded.count,
  sum_ms = sum_ms + excluded.sum_ms, ${B.map((b) => `${b} = ${b} + excluded.${b}`).join(", ")}`;

/** Adds points to the minute, hour and lifetime rows; points of one batch are merged first. */
export function recordPoints(sql: SqlStorage, points: readonly RequestPoint[]): number {
  const merged = new Map<
    string,
    { res: number; start: number; labels: string[]; count: number; sum: number; b: number[] }
  >();
  for (const p of points) {
    if (!Number.isFinite(p.at) || !Number.isFinite(p.durationMs)) continue;
    const labels = [routeLabel(p.route), methodLabel(p.method), statusClass(p.status)];
    const bi = bucketIndex(p.durationMs);
    for (const [res, start] of [
      [MINUTE_MS, p.at - (p.at % MINUTE_MS)],
      [HOUR_MS, p.at - (p.at % HOUR_MS)],
      [LIFETIME, 0],
    ] as const) {
      const key = `${res}|${start}|${labels.join("|")}`;
      const row = merged.get(key) ?? { res, start, labels, count: 0, sum: 0, b: B.map(() => 0) };
      row.count += 1;
      row.sum += Math.max(0, p.durationMs);
      if (bi < B.length) row.b[bi] = (row.b[bi] ?? 0) + 1;
      merged.set(key, row);
    }
  }
  for (const r of merged.values()) sql.exec(UPSERT, r.res, r.start, ...r.labels, r.count, r.sum, ...r.b);
  return merged.size;
}

/** Drops minute rows older than 2 days and hour rows older than 31 days. */
export function pruneRollup(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM rollup WHERE res = ? AND start < ?", MINUTE_MS, now - KEEP_MINUTES_MS);
  sql.exec("DELETE FROM rollup WHERE res = ? AND start < ?", HOUR_MS, now - KEEP_HOURS_MS);
}

/**
 * The aggregate of [from, to) per (route, method, code): from minute rows when the window
 * starts within their retention, else from hour rows (whole hours: the window is widened to
 * the hours it touches). `from = to = 0` reads the lifetime totals.
 */
export function aggregateRollup(sql: SqlStorage, from: number, to: number, now: number): RollupRow[] {
  const lifetime = from === 0 && to === 0;
  const res = lifetime ? LIFETIME : from >= now - KEEP_MINUTES_MS + MINUTE_MS ? MINUTE_MS : HOUR_MS;
  const lo = lifetime ? 0 : res === HOUR_MS ? from - (from % HOUR_MS) : from;
  const hi = lifetime ? 1 : to;
  const cursor = sql.exec<Record<string, string | number>>(
    `SELECT route, method, code, SUM(count) AS count, SUM(sum_ms) AS sum_ms, ${B.map((b) => `SUM(${b}) AS ${b}`).join(", ")}
     FROM rollup WHERE res = ? AND start >= ? AND start < ? GROUP BY route, method, code`,
    res,
    lo,
    hi,
  );
  return [...cursor].map((r) => ({
    route: String(r.route),
    method: String(r.method),
    code: String(r.code),
    count: Number(r.count),
    sumMs: Number(r.sum_ms),
    buckets: B.map((b) => Number(r[b] ?? 0)),
  }));
}

/** Merges the rows of several shards into one row per (route, method, code). */
export function mergeRows(lists: readonly RollupRow[][]): RollupRow[] {
  const out = new Map<string, RollupRow>();
  for (const list of lists)
    for (const r of list) {
      const key = `${r.route}|${r.method}|${r.code}`;
      const into = out.get(key);
      if (!into) out.set(key, { ...r, buckets: [...r.buckets] });
      else {
        into.count += r.count;
        into.sumMs += r.sumMs;
        into.buckets = into.buckets.map((v, i) => v + (r.buckets[i] ?? 0));
      }
    }
  return [...out.values()];
}
