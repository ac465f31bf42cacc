/**
 * The request rollup's callers: sending one request's point to a shard of `HttpMetrics`, and
 * reading a window back from every shard, merged. Shards spread the writes (one object takes
 * roughly a thousand calls a second); a point goes to a random shard, so reads ask them all.
 */
import type { RequestPoint, RollupRow } from "./rollup";
import { mergeRows } from "./rollup";

/** Shards of the rollup: `http-0` … `http-3`. */
export const ROLLUP_SHARDS = 4;
const shardName = (i: number) => `http-${i}`;

/**
 * Sends one point to a shard. Never throws: measuring must not fail a request (a lost point
 * is logged by the caller's `catch`).
 */
export async function sendPoint(env: Env, point: RequestPoint): Promise<void> {
  const stub = env.HTTP_METRICS.getByName(shardName(Math.floor(Math.random() * ROLLUP_SHARDS)));
  await stub.record([point]);
}

/** The window [from, to) from every shard, merged per (route, method, code); `(0, 0)` for the lifetime. */
export async function readRollup(env: Env, from: number, to: number, now = Date.now()): Promise<RollupRow[]> {
  const lists = await Promise.all(
    Array.from({ length: ROLLUP_SHARDS }, (_, i) => env.HTTP_METRICS.getByName(shardName(i)).aggregate(from, to, now)),
  );
  return mergeRows(lists);
}
