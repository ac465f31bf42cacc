/**
 * Per-account sign-in backoff. The per-IP limit alone lets a botnet guess one account's
 * password from many addresses; this counts failed passwords per *address signed in to*,
 * whatever the client's IP, in a small D1 table (`signin_failures`).
 *
 * Why D1 and not the `KEY_FAILURES`/`AUTH_LIMITER` bindings or the RateLimiter object: the
 * bindings count per location and only in a fixed window of a fixed size (no growing lock, no
 * reset on success); the RateLimiter object leases fixed windows too. A lock must hold
 * everywhere at once and grow, and sign-ins are rare: one indexed read per attempt and one
 * upsert per failure is cheap, and the doubling is done inside that single upsert, so
 * concurrent failures cannot undercount.
 */
import { eq, sql } from "drizzle-orm";
import { sha256Hex } from "../../shared/crypto";
import type { Db } from "../../shared/db/client";
import { signinFailures } from "../../shared/db/schema";

/** Failed passwords an address may have before it is locked. */
export const FREE_FAILURES = 5;
/** The first lock; each further failure after a lock ends doubles it… */
export const FIRST_LOCK_MS = 60_000;
/** …up to this. */
export const MAX_LOCK_MS = 3600_000;
/** Failures older than this are forgotten (the count starts again). */
export const FAILURE_MEMORY_MS = 24 * 3600_000;
/** Stale rows removed per failure recorded: bounded work, and the table does not grow forever. */
const PRUNE_BATCH = 20;

// 60 s << 6 = 64 min ≥ the cap: a larger shift is never needed.
const MAX_SHIFT = Math.ceil(Math.log2(MAX_LOCK_MS / FIRST_LOCK_MS));

/** The key of an address: its SHA-256, so the table holds no stranger's address. */
const subjectOf = (email: string) => sha256Hex(email.trim().toLowerCase());

/** How long sign-ins to `email` are still refused (0: not locked). The same for every address. */
export async function signinLockRemaining(d: Db, email: string, now = Date.now()): Promise<number> {
  const [row] = await d
    .select({ lockedUntil: signinFailures.lockedUntil })
    .from(signinFailures)
    .where(eq(signinFailures.subject, await subjectOf(email)))
    .limit(1);
  return row && row.lockedUntil > now ? row.lockedUntil - now : 0;
}

/**
 * Counts a failed password for `email`. From the `FREE_FAILURES`th on, each failure locks the
 * address for `FIRST_LOCK_MS` doubled per failure beyond it, capped at `MAX_LOCK_MS`.
 */
export async function recordSigninFailure(d: Db, email: string, now = Date.now()): Promise<void> {
  const subject = await subjectOf(email);
  const forgetBefore = now - FAILURE_MEMORY_MS;
  // The new count, in SQL so that the lock is computed from the row as this statement sees it.
  const count = sql`CASE WHEN ${signinFailures.updatedAt} < ${forgetBefore} THEN 1 ELSE ${signinFailures.failures} + 1 END`;
  const lockFor = (failures: typeof count) =>
    sql`CASE WHEN ${failures} >= ${FREE_FAILURES} THEN ${now} + MIN(${MAX_LOCK_MS}, ${FIRST_LOCK_MS} << MIN(${MAX_SHIFT}, ${failures} - ${FREE_FAILURES})) ELSE 0 END`;
  await d
    .insert(signinFailures)
    // A first failure never locks (FREE_FAILURES > 1).
    .values({ subject, failures: 1, lockedUntil: 0, updatedAt: now })
    .onConflictDoUpdate({
      target: signinFailures.subject,
      set: { failures: count, lockedUntil: lockFor(count), updatedAt: now },
    });
  await d.run(
    sql`DELETE FROM signin_failures WHERE rowid IN (SELECT rowid FROM signin_failures WHERE updated_at < ${forgetBefore} AND locked_until < ${now} LIMIT ${PRUNE_BATCH})`,
  );
}

/** A successful sign-in forgets the address's failures. */
export async function clearSigninFailures(d: Db, email: string): Promise<void> {
  await d.delete(signinFailures).where(eq(signinFailures.subject, await subjectOf(email)));
}
