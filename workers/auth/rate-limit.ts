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
  /** The object refused: the window is spent (its count only grows) until it resets. */
  refused?: boolean;
}

const pools = new Map<string, Pool>();

/**
 * How many requests an isolate leases at a time: a twentieth of the limit, 1 to 50. A busy
 * key costs one Durable Object call per lease instead of one per request, and an isolate
 * holds at most one lease of unused requests when traffic moves to another (so the limit is
 * never exceeded, and a client is refused early by at most that much).
 */
export const leaseSize = (limit: number) => Math.max(1, Math.min(50, Math.ceil(limit / 20)));

/** Lease calls under way, one per subject: a burst waits for it instead of stampeding. */
const inflight = new Map<string, Promise<RateLimitLease>>();

/**
 * One request from the isolate's pool for `subject`, a refusal when the object has refused in
 * this window already, or null when only the object can tell.
 */
function fromPool(subject: string, limit: number, now: number): RateVerdict | null {
  const windowStart = now - (now % RATE_WINDOW_MS);
  const resetMs = windowStart + RATE_WINDOW_MS - now;
  const pool = pools.get(subject);
  if (!pool || pool.limit !== limit || pool.windowStart !== windowStart || pool.expires <= now) return null;
  if (pool.refused) return { allowed: false, limit, remaining: 0, resetMs };
  if (pool.left <= 0) return null;
  pool.left--;
  return { allowed: true, limit, remaining: pool.remaining + pool.left, resetMs };
}

/**
 * Counts one request of `subject` against `limit` per `RATE_WINDOW_MS`, spending the isolate's
 * leased requests first and asking the subject's RateLimiter object only when they run out.
 * Concurrent requests of one isolate share one lease call: the others wait for it and take
 * from the pool it fills, so a burst cannot drain the window into leases it then refuses.
 */
export async function takeRequest(
  limiter: DurableObjectNamespace<RateLimiter>,
  subject: string,
  limit: number,
  now = Date.now(),
): Promise<RateVerdict> {
  for (;;) {
    const taken = fromPool(subject, limit, now);
    if (taken) return taken;
    const pending = inflight.get(subject);
    if (pending) {
      // Another request is leasing: wait for it, then try the pool again.
      await pending.catch(() => undefined);
      continue;
    }
    const call = limiter.getByName(subject).lease(limit, RATE_WINDOW_MS, leaseSize(limit), now);
    inflight.set(subject, call);
    let lease: RateLimitLease;
    try {
      lease = await call;
    } finally {
      inflight.delete(subject);
    }
    if (lease.granted === 0) {
      // Refused until the window resets: later requests are answered without a call.
      pools.set(subject, {
        limit,
        windowStart: lease.windowStart,
        expires: lease.windowStart + RATE_WINDOW_MS,
        left: 0,
        remaining: 0,
        refused: true,
      });
      return { allowed: false, limit, remaining: 0, resetMs: lease.resetMs };
    }
    pools.set(subject, {
      limit,
      windowStart: lease.windowStart,
      expires: now + LEASE_TTL_MS,
      left: lease.granted,
      remaining: lease.remaining,
    });
  }
}

/** Forgets the isolate's leases (tests that change the limit or the clock). */
export function forgetLeases(): void {
  pools.clear();
}
