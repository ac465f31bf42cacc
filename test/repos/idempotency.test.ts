/**
 * The idempotency-key sweep (`sweepIdempotencyKeys`, workers/api/idempotency.ts) against the
 * local D1: the cron deletes exactly the keys whose replay window has closed, of every user,
 * finished or not, and leaves the rest to be replayed.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { db } from "../../shared/db/client";
import { IDEMPOTENCY_TTL_MS, sweepIdempotencyKeys } from "../../workers/api/idempotency";
import { userRow } from "../helpers/rows";

async function key(userId: string, name: string, expiresAt: number, status: "done" | "in_progress" = "done") {
  await env.DB.prepare(
    "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, created_at, expires_at) VALUES (?, ?, 'fp', ?, ?, ?)",
  )
    .bind(userId, name, status, expiresAt - IDEMPOTENCY_TTL_MS, expiresAt)
    .run();
}

const keysOf = async (userIds: string[]) =>
  (
    await env.DB.prepare(
      `SELECT user_id || ':' || key AS k FROM idempotency_keys WHERE user_id IN (${userIds.map(() => "?").join(", ")}) ORDER BY k`,
    )
      .bind(...userIds)
      .all<{ k: string }>()
  ).results.map((r) => r.k);

describe("sweepIdempotencyKeys", () => {
  it("deletes every user's keys that expired before now, finished or not, and keeps the rest", async () => {
    const a = await userRow();
    const b = await userRow();
    const now = Date.now();
    await key(a.id, "expired", now - 1);
    await key(a.id, "stuck", now - 1, "in_progress");
    await key(b.id, "expired", now - IDEMPOTENCY_TTL_MS);
    await key(a.id, "at-now", now); // expires at this very moment: kept until it has passed
    await key(b.id, "live", now + IDEMPOTENCY_TTL_MS);

    await sweepIdempotencyKeys(db(env.DB), now);
    expect(await keysOf([a.id, b.id])).toEqual([`${a.id}:at-now`, `${b.id}:live`].sort());

    // Later, the next one goes too.
    await sweepIdempotencyKeys(db(env.DB), now + 1);
    expect(await keysOf([a.id, b.id])).toEqual([`${b.id}:live`]);
  });
});
