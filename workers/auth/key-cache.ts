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

/** A map whose entries expire after `ttlMs` and whose oldest entry goes first when full. */
class Expiring<V> {
  readonly #entries = new Map<string, { value: V; expires: number }>();

  constructor(
    readonly ttlMs: number,
    readonly size: number,
  ) {}

  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, now: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.size) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { value, expires: now + this.ttlMs });
  }

  deleteWhere(matches: (value: V) => boolean): void {
    for (const [key, { value }] of this.#entries) if (matches(value)) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

const entries = new Expiring<ResolvedKey>(KEY_CACHE_TTL_MS, KEY_CACHE_SIZE);

/**
 * Keys that can never work again: unknown (no row: a random 256-bit key does not come into
 * being later) or revoked (there is no un-revoke). A client retrying one — a script with a
 * deleted key — costs no database read for a minute. Kept apart, so a flood of random keys
 * evicts only its own kind. Keys of a disabled user are not kept: the user may be enabled.
 */
const misses = new Expiring<true>(60_000, KEY_CACHE_SIZE);

/**
 * The isolate's memory of API keys, so the API's hot path makes no database call and no hash
 * for a key seen in the last few seconds. It is looked up by the presented key itself (held
 * only in this isolate's memory, as every request's headers are; the database keeps hashes
 * alone): hashing it on every request showed as ~5 % of a short request's profile.
 */
export const keyCache = {
  get: (presented: string, now = Date.now()): ResolvedKey | null => entries.get(presented, now) ?? null,

  set: (presented: string, value: ResolvedKey, now = Date.now()): void => entries.set(presented, value, now),

  /** True when `presented` is known not to work (see `misses`). */
  isDead: (presented: string, now = Date.now()): boolean => misses.get(presented, now) === true,

  markDead: (presented: string, now = Date.now()): void => misses.set(presented, true, now),

  /** Forgets one key (revoked) or every key of a user (disabled, deleted, role changed). */
  forget(match: { keyId?: string; userId?: string }): void {
    entries.deleteWhere((value) => value.key.id === match.keyId || value.user.id === match.userId);
  },

  clear(): void {
    entries.clear();
    misses.clear();
  },
};
