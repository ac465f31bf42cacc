import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import { hashPassword, needsRehash, randomToken, sha256Hex, verifyPassword } from "../../shared/crypto";
import type { Db } from "../../shared/db/client";
import {
  type ApiKeyRow,
  apiKeys,
  type Role,
  SCOPES,
  type Scope,
  type SessionRow,
  sessions,
  type UserRow,
  users,
} from "../../shared/db/schema";
import { HttpProblem } from "../../shared/http/problem";
import { ulid } from "../../shared/ids";
import { keyCache, type ResolvedKey } from "./key-cache";

/** A session ends after this long without use… */
export const SESSION_IDLE_MS = 7 * 24 * 3600_000;
/** …and after this long in any case. */
export const SESSION_ABSOLUTE_MS = 30 * 24 * 3600_000;

export const MIN_PASSWORD_LENGTH = 10;
export const API_KEY_PREFIX = "sx_";
/** Active API keys one user may hold when `API_KEYS_PER_USER` does not say. */
export const DEFAULT_API_KEYS_PER_USER = 25;

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export async function findUserByEmail(d: Db, email: string): Promise<UserRow | null> {
  const [row] = await d
    .select()
    .from(users)
    .where(eq(users.email, normaliseEmail(email)))
    .limit(1);
  return row ?? null;
}

export async function findUserById(d: Db, id: string): Promise<UserRow | null> {
  const [row] = await d.select().from(users).where(eq(users.id, id)).limit(1);
  return row ?? null;
}

/** Creates a user; returns null when the address is taken (the caller must not say so). */
export async function createUser(
  d: Db,
  input: { email: string; password?: string; name?: string; role?: Role; verified?: boolean; now?: number },
): Promise<UserRow | null> {
  const now = input.now ?? Date.now();
  const [row] = await d
    .insert(users)
    .values({
      id: `usr_${ulid(now)}`,
      email: normaliseEmail(input.email),
      name: input.name?.trim() ?? "",
      role: input.role ?? "user",
      passwordHash: input.password ? await hashPassword(input.password) : null,
      emailVerifiedAt: input.verified ? now : null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}

/**
 * Checks an email and password. Returns the user only when both match and the account is
 * usable; every failure looks the same to the caller. A hash made with fewer iterations than
 * today's is upgraded on the way.
 */
export async function authenticate(d: Db, email: string, password: string): Promise<UserRow | null> {
  const user = await findUserByEmail(d, email);
  if (!user?.passwordHash) {
    // Spend the same time as a real check, so response time does not reveal the account.
    await hashPassword(password);
    return null;
  }
  if (!(await verifyPassword(password, user.passwordHash))) return null;
  if (user.disabledAt) return null;
  if (needsRehash(user.passwordHash)) {
    await d
      .update(users)
      .set({ passwordHash: await hashPassword(password), updatedAt: Date.now() })
      .where(eq(users.id, user.id));
  }
  return user;
}

export async function setPassword(d: Db, userId: string, password: string): Promise<void> {
  await d
    .update(users)
    .set({ passwordHash: await hashPassword(password), updatedAt: Date.now() })
    .where(eq(users.id, userId));
}

// ---------------------------------------------------------------------------------------------
// Sessions

export interface NewSession {
  token: string;
  session: SessionRow;
}

/** Starts a session (a new token every sign-in, so a planted cookie is never promoted). */
export async function createSession(
  d: Db,
  userId: string,
  meta: { userAgent?: string | null; ip?: string | null; now?: number } = {},
): Promise<NewSession> {
  const now = meta.now ?? Date.now();
  const token = randomToken();
  const [session] = await d
    .insert(sessions)
    .values({
      id: `ses_${ulid(now)}`,
      tokenHash: await sha256Hex(token),
      userId,
      csrfToken: randomToken(24),
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
      ip: meta.ip ?? null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + SESSION_ABSOLUTE_MS,
    })
    .returning();
  if (!session) throw new Error("session insert returned nothing");
  return { token, session };
}

/**
 * The live session and user for a cookie token, or null when the session is unknown,
 * revoked, idle too long, past its absolute expiry, or its user is disabled. Touches
 * `lastSeenAt` at most once a minute.
 */
export async function resolveSession(
  d: Db,
  token: string,
  now = Date.now(),
): Promise<{ session: SessionRow; user: UserRow } | null> {
  if (!token || token.length > 100) return null;
  const [row] = await d
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.tokenHash, await sha256Hex(token)))
    .limit(1);
  if (!row) return null;
  const { session, user } = row;
  if (session.revokedAt || session.expiresAt <= now || session.lastSeenAt + SESSION_IDLE_MS <= now) return null;
  // No flow gives an unverified account a session; refusing one anyway keeps a session made
  // before the mailbox was proved from ever working (see proveMailbox).
  if (user.disabledAt || !user.emailVerifiedAt) return null;
  if (now - session.lastSeenAt > 60_000) {
    await d.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, session.id));
  }
  return { session, user };
}

export async function revokeSession(d: Db, sessionId: string, userId: string): Promise<boolean> {
  const rows = await d
    .update(sessions)
    .set({ revokedAt: Date.now() })
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.length > 0;
}

/** "Sign out everywhere": every session of the user ends. */
export async function revokeAllSessions(d: Db, userId: string): Promise<void> {
  await d
    .update(sessions)
    .set({ revokedAt: Date.now() })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

export async function listSessions(d: Db, userId: string, now = Date.now()): Promise<SessionRow[]> {
  const rows = await d
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.lastSeenAt));
  return rows.filter((s) => s.lastSeenAt + SESSION_IDLE_MS > now);
}

// ---------------------------------------------------------------------------------------------
// API keys

export function parseScopes(value: string): Scope[] {
  return value.split(/\s+/).filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
}

/**
 * Creates a key; the full key is returned once and never stored. Refused with 409 problem+json
 * when the user already holds `max` active keys (the count and the insert are one statement,
 * so concurrent requests cannot pass the cap), and with 403 for an account that is not
 * verified or is disabled (an unverified account holding keys is half of a pre-account takeover).
 */
export async function createApiKey(
  d: Db,
  userId: string,
  name: string,
  scopes: readonly Scope[],
  options: { now?: number; max?: number } = {},
): Promise<{ key: string; row: ApiKeyRow }> {
  const now = options.now ?? Date.now();
  const max = options.max ?? DEFAULT_API_KEYS_PER_USER;
  const key = `${API_KEY_PREFIX}${randomToken(32)}`;
  const id = `key_${ulid(now)}`;
  const inserted = await d.run(sql`
    INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at)
    SELECT ${id}, ${userId}, ${name.trim().slice(0, 100) || "API key"}, ${key.slice(0, API_KEY_PREFIX.length + 8)},
      ${await sha256Hex(key)}, ${[...new Set(scopes)].join(" ")}, ${now}
    WHERE EXISTS (SELECT 1 FROM users WHERE id = ${userId} AND email_verified_at IS NOT NULL AND disabled_at IS NULL)
      AND (SELECT COUNT(*) FROM api_keys WHERE user_id = ${userId} AND revoked_at IS NULL) < ${max}`);
  if (inserted.meta.changes === 0) {
    const user = await findUserById(d, userId);
    if (!user?.emailVerifiedAt || user.disabledAt) {
      throw new HttpProblem(403, "unverified", "Forbidden", "Confirm your email address before creating API keys.");
    }
    throw new HttpProblem(
      409,
      "api-key-limit",
      "Too Many API Keys",
      `You have ${max} active API keys, the most an account may have. Revoke one you no longer use first.`,
    );
  }
  const [row] = await d.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  if (!row) throw new Error("api key insert returned nothing");
  return { key, row };
}

/** The per-user cap on active API keys (`API_KEYS_PER_USER`, default 25). */
export function apiKeysPerUser(env: Pick<Env, "API_KEYS_PER_USER">): number {
  const n = Number(env.API_KEYS_PER_USER);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_API_KEYS_PER_USER;
}

/**
 * The key's row and user for a presented key, or null (unknown, revoked, disabled user).
 * A key found in the last `KEY_CACHE_TTL_MS` comes from the isolate's memory (key-cache.ts).
 */
export async function resolveApiKey(
  d: Db,
  key: string,
  /** Called only when the database is about to be asked (may throw to refuse the lookup). */
  beforeLookup?: () => void,
): Promise<ResolvedKey | null> {
  if (!key.startsWith(API_KEY_PREFIX) || key.length > 100) return null;
  const cached = keyCache.get(key);
  if (cached) return cached;
  if (keyCache.isDead(key)) return null;
  beforeLookup?.();
  const [row] = await d
    .select({ key: apiKeys, user: users })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.keyHash, await sha256Hex(key)))
    .limit(1);
  if (!row || row.key.revokedAt) {
    keyCache.markDead(key);
    return null;
  }
  // Neither is cached: the user may be enabled again; an unverified account's keys die when
  // the mailbox is proved (proveMailbox revokes them).
  if (row.user.disabledAt || !row.user.emailVerifiedAt) return null;
  keyCache.set(key, row);
  return row;
}

/** Records the key's use (the cached row too, so the minute's resolution holds across hits). */
export async function touchApiKey(d: Db, key: ApiKeyRow, now = Date.now()): Promise<void> {
  key.lastUsedAt = now;
  await d.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, key.id));
}

export async function listApiKeys(d: Db, userId: string): Promise<ApiKeyRow[]> {
  return d
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .orderBy(desc(apiKeys.createdAt));
}

export async function revokeApiKey(d: Db, userId: string, keyId: string): Promise<boolean> {
  const rows = await d
    .update(apiKeys)
    .set({ revokedAt: Date.now() })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  keyCache.forget({ keyId });
  return rows.length > 0;
}
