import { DurableObject } from "cloudflare:workers";

export interface RateLimitVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/**
 * A fixed-window request counter for one subject (an API key), named by the subject's id.
 * One object per key means one key's traffic never waits on another's. The window is kept
 * in the object's storage, so an eviction does not hand out a fresh allowance.
 */
export class RateLimiter extends DurableObject<Env> {
  /** Counts one request; says whether it is within `limit` per `windowMs`. */
  hit(limit: number, windowMs: number, now = Date.now()): RateLimitVerdict {
    const windowStart = now - (now % windowMs);
    const kv = this.ctx.storage.kv;
    const stored = kv.get<{ start: number; count: number }>("window");
    const count = stored && stored.start === windowStart ? stored.count + 1 : 1;
    const allowed = count <= limit;
    // Refused requests are not counted, so a client that backs off recovers at the reset.
    if (allowed) kv.put("window", { start: windowStart, count });
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - (allowed ? count : limit)),
      resetMs: windowStart + windowMs - now,
    };
  }
}
