import { DurableObject } from "cloudflare:workers";

export interface RateLimitLease {
  /** Requests granted to the caller in this window: 0 when the window is spent. */
  granted: number;
  limit: number;
  /** What is left in the window after this grant. */
  remaining: number;
  /** Start of the fixed window (ms since the epoch) and milliseconds until it resets. */
  windowStart: number;
  resetMs: number;
}

/**
 * A fixed-window request counter for one subject (an API key), named by the subject's id.
 * One object per key means one key's traffic never waits on another's. The window is kept
 * in the object's storage, so an eviction does not hand out a fresh allowance.
 *
 * Isolates take the allowance in small leases (`want` requests at a time, see
 * workers/auth/rate-limit.ts) rather than one call per request; every granted request is
 * counted here, so the limit holds across isolates.
 */
export class RateLimiter extends DurableObject<Env> {
  lease(limit: number, windowMs: number, want: number, now = Date.now()): RateLimitLease {
    const windowStart = now - (now % windowMs);
    const kv = this.ctx.storage.kv;
    const stored = kv.get<{ start: number; count: number }>("window");
    const used = stored && stored.start === windowStart ? stored.count : 0;
    const granted = Math.max(0, Math.min(want, limit - used));
    // Refused requests are not counted, so a client that backs off recovers at the reset.
    if (granted > 0) kv.put("window", { start: windowStart, count: used + granted });
    return { granted, limit, remaining: limit - used - granted, windowStart, resetMs: windowStart + windowMs - now };
  }
}
