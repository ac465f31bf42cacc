import type { ApiKeyRow, UserRow } from "../../shared/db/schema";

export interface ResolvedKey {
  key: ApiKeyRow;
  user: UserRow;
}

/**
 * How long an isolate trusts a key it has looked up. Revoking a key, disabling or deleting a
 * user, or changing a role forgets the entries at once in the isolate that made the change;
 * every other isolate sees the change within this time.
 */
export const KEY_CACHE_TTL_MS = 10_000;
/** Entries kept per isolate; the oldest goes first. */
const KEY_CACHE_SIZE = 1_000;

const entries = new Map<string, { value: ResolvedKey; expires: number }>();

/**
 * Keys that can never work again: unknown (no row: a random 256-bit key does not come into
 * being later) or revoked (there is no un-revoke). A client retrying one — a script with a
 * deleted key — costs no database read for a minute. Kept apart, so a flood of random keys
 * evicts only its own kind. Keys of a disabled user are not kept: the user may be enabled.
 */
const MISS_TTL_MS = 60_000;
const misses = new Map<string, number>();

/**
 * The isolate's memory of API keys, so the API's hot path makes no database call and no hash
 * for a key seen in the last few seconds. It is looked up by the presented key itself (held
 * only in this isolate's memory, as every request's headers are; the database keeps hashes
 * alone): hashing it on every request showed as ~5 % of a short request's profile.
 */
export const keyCache = {
  get(presented: string, now = Date.now()): ResolvedKey | null {
    const entry = entries.get(presented);
    if (!entry) return null;
    if (entry.expires <= now) {
      entries.delete(presented);
      return null;
    }
    return entry.value;
  },

  set(presented: string, value: ResolvedKey, now = Date.now()): void {
    entries.delete(presented);
    if (entries.size >= KEY_CACHE_SIZE) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    entries.set(presented, { value, expires: now + KEY_CACHE_TTL_MS });
  },

  /** True when `presented` is known not to work (see `misses`). */
  isDead(presented: string, now = Date.now()): boolean {
    const expires = misses.get(presented);
    if (expires === undefined) return false;
    if (expires > now) return true;
    misses.delete(presented);
    return false;
  },

  markDead(presented: string, now = Date.now()): void {
    misses.delete(presented);
    if (misses.size >= KEY_CACHE_SIZE) {
      const oldest = misses.keys().next().value;
      if (oldest !== undefined) misses.delete(oldest);
    }
    misses.set(presented, now + MISS_TTL_MS);
  },

  /** Forgets one key (revoked) or every key of a user (disabled, deleted, role changed). */
  forget(match: { keyId?: string; userId?: string }): void {
    for (const [presented, { value }] of entries) {
      if (value.key.id === match.keyId || value.user.id === match.userId) entries.delete(presented);
    }
  },

  clear(): void {
    entries.clear();
    misses.clear();
  },
};
