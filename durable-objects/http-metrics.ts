/**
 * `HttpMetrics`: the request rollup's single writer, one object per shard (`http-0` …, see
 * shared/slo/http.ts). The Worker sends each request's point after the answer has gone
 * (`ctx.waitUntil`), so measuring adds no latency and no D1 write; the object keeps per-minute,
 * per-hour and lifetime rows in its SQLite storage (shared/slo/rollup.ts) and prunes old ones at
 * most once an hour. Reads aggregate a window in one query.
 */
import { DurableObject } from "cloudflare:workers";
import {
  aggregateRollup,
  HOUR_MS,
  pruneRollup,
  type RequestPoint,
  type RollupRow,
  recordPoints,
  setupRollup,
} from "../shared/slo/rollup";

/** The most points one call may carry: a caller cannot make one call arbitrarily expensive. */
export const MAX_POINTS_PER_CALL = 500;

export class HttpMetrics extends DurableObject<Env> {
  #prunedAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => setupRollup(ctx.storage.sql));
  }

  /** Adds measured requests; returns how many rollup rows were touched. */
  record(points: RequestPoint[], now = Date.now()): number {
    const touched = recordPoints(this.ctx.storage.sql, points.slice(0, MAX_POINTS_PER_CALL));
    if (now - this.#prunedAt >= HOUR_MS) {
      this.#prunedAt = now;
      pruneRollup(this.ctx.storage.sql, now);
    }
    return touched;
  }

  /** The aggregate of [from, to) per (route, method, code); `(0, 0)` for the lifetime totals. */
  aggregate(from: number, to: number, now = Date.now()): RollupRow[] {
    return aggregateRollup(this.ctx.storage.sql, from, to, now);
  }
}
