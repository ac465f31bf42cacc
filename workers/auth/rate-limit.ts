import type { RateLimiter, RateLimitLease } from "../../durable-objects/rate-limiter";

export const RATE_WINDOW_MS = 60_000;
/** The longest an isolate keeps requests it leased and has not used. */
const LEASE_TTL_MS = 10_000;

export interface RateVerdict {
  allowed: boolean;
  limit: number;
  /** Left in the window: the object's count at the last lease, less what this isolate used. */
  remaining: number;
  resetMs: number;
}

interface Pool {
  limit: number;
  windowStart: number;
  expires: number;
  /** Leased and not yet used by this isolate. */
  left: number;
  /** The object's `remaining` after the last lease. */
  remaining: number;
}

const pools = new Map<string, Pool>();

/**
 * How many requests an isolate leases at a time: a twentieth of the limit, 1 to 50. A busy
 * key costs one Durable Object call per lease instead of one per request, and an isolate
 * holds at most one lease of unused requests when traffic moves to another (so the limit is
 * never exceeded, and a client is refused early by at most that much).
 */
export const leaseSize = (limit: number) => Math.max(1, Math.min(50, Math.ceil(limit / 20)));

/**
 * Counts one request of `subject` against `limit` per `RATE_WINDOW_MS`, spending the isolate's
 * leased requests first and asking the subject's RateLimiter object only when they run out.
 */
export async function takeRequest(
  limiter: DurableObjectNamespace<RateLimiter>,
  subject: string,
  limit: number,
  now = Date.now(),
): Promise<RateVerdict> {
  const windowStart = now - (now % RATE_WINDOW_MS);
  const resetMs = windowStart + RATE_WINDOW_MS - now;
  const pool = pools.get(subject);
  if (pool && pool.left > 0 && pool.limit === limit && pool.windowStart === windowStart && pool.expires > now) {
    pool.left--;
    return { allowed: true, limit, remaining: pool.remaining + pool.left, resetMs };
  }
  const lease: RateLimitLease = await limiter.getByName(subject).lease(limit, RATE_WINDOW_MS, leaseSize(limit), now);
  if (lease.granted === 0) {
    pools.delete(subject);
    return { allowed: false, limit, remaining: 0, resetMs: lease.resetMs };
  }
  // Requests leased by a concurrent call of this isolate in the same window are kept too.
  const kept = pool && pool.limit === limit && pool.windowStart === lease.windowStart ? pool.left : 0;
  const left = kept + lease.granted - 1;
  pools.set(subject, {
    limit,
    windowStart: lease.windowStart,
    expires: now + LEASE_TTL_MS,
    left,
    remaining: lease.remaining,
  });
  return { allowed: true, limit, remaining: lease.remaining + left, resetMs: lease.resetMs };
}

/** Forgets the isolate's leases (tests that change the limit or the clock). */
export function forgetLeases(): void {
  pools.clear();
}
