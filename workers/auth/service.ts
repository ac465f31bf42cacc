import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { hashPassword, needsRehash, randomToken, sha256Hex, verifyPassword } from "../../shared/crypto";
import {
  type ApiKeyRow,
  apiKeys,
  authTokens,
  type Role,
  SCOPES,
  type Scope,
  type SessionRow,
  sessions,
  type TokenPurpose,
  type UserRow,
  users,
} from "../../shared/db/schema";
import { ulid } from "../../shared/ids";
import type { db } from "../api/submissions/repo";
import { keyCache, type ResolvedKey } from "./key-cache";

type Db = ReturnType<typeof db>;

/** A session ends after this long without use… */
export const SESSION_IDLE_MS = 7 * 24 * 3600_000;
/** …and after this long in any case. */
export const SESSION_ABSOLUTE_MS = 30 * 24 * 3600_000;

/** How long each kind of emailed link works. */
export const TOKEN_TTL_MS: Record<TokenPurpose, number> = {
  "verify-email": 24 * 3600_000,
  "magic-link": 15 * 60_000,
  "password-reset": 60 * 60_000,
};

export const MIN_PASSWORD_LENGTH = 10;
export const API_KEY_PREFIX = "sx_";

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
// Emailed single-use tokens

/** Issues a token for `purpose`; only its hash is stored. Returns the token to put in the link. */
export async function issueToken(d: Db, userId: string, purpose: TokenPurpose, now = Date.now()): Promise<string> {
  const token = randomToken();
  await d.insert(authTokens).values({
    tokenHash: await sha256Hex(token),
    userId,
    purpose,
    createdAt: now,
    expiresAt: now + TOKEN_TTL_MS[purpose],
  });
  return token;
}

/**
 * Uses a token: succeeds once, for the right purpose, before expiry; a replay, an expired or a
 * foreign token gets null. The conditional update makes the single use hold under races.
 */
export async function consumeToken(
  d: Db,
  token: string,
  purpose: TokenPurpose,
  now = Date.now(),
): Promise<UserRow | null> {
  if (!token || token.length > 100) return null;
  const [used] = await d
    .update(authTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(authTokens.tokenHash, await sha256Hex(token)),
        eq(authTokens.purpose, purpose),
        isNull(authTokens.usedAt),
        gt(authTokens.expiresAt, now),
      ),
    )
    .returning();
  if (!used) return null;
  const user = await findUserById(d, used.userId);
  return user && !user.disabledAt ? user : null;
}

export async function markVerified(d: Db, userId: string, now = Date.now()): Promise<void> {
  await d
    .update(users)
    .set({ emailVerifiedAt: now, updatedAt: now })
    .where(and(eq(users.id, userId), isNull(users.emailVerifiedAt)));
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
  if (user.disabledAt) return null;
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

/** Creates a key; the full key is returned once and never stored. */
export async function createApiKey(
  d: Db,
  userId: string,
  name: string,
  scopes: readonly Scope[],
  now = Date.now(),
): Promise<{ key: string; row: ApiKeyRow }> {
  const key = `${API_KEY_PREFIX}${randomToken(32)}`;
  const [row] = await d
    .insert(apiKeys)
    .values({
      id: `key_${ulid(now)}`,
      userId,
      name: name.trim().slice(0, 100) || "API key",
      prefix: key.slice(0, API_KEY_PREFIX.length + 8),
      keyHash: await sha256Hex(key),
      scopes: [...new Set(scopes)].join(" "),
      createdAt: now,
    })
    .returning();
  if (!row) throw new Error("api key insert returned nothing");
  return { key, row };
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
  if (row.user.disabledAt) return null;
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
