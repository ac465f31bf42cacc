/**
 * Proof of a mailbox: the single-use tokens mailed in verification, magic-link and reset
 * links, and what proving the mailbox does to an account — for one not verified yet, every
 * credential set before the proof is dropped (a pre-account takeover otherwise survives it).
 */
import { and, eq, gt, isNull, lte, sql } from "drizzle-orm";
import { hashPassword, randomToken, sha256Hex } from "../../shared/crypto";
import type { Db } from "../../shared/db/client";
import {
  type AuthTokenRow,
  apiKeys,
  authTokens,
  sessions,
  type TokenPurpose,
  type UserRow,
  users,
} from "../../shared/db/schema";
import { keyCache } from "./key-cache";
import { findUserById } from "./service";

/** How long each kind of emailed link works. */
export const TOKEN_TTL_MS: Record<TokenPurpose, number> = {
  "verify-email": 24 * 3600_000,
  "magic-link": 15 * 60_000,
  "password-reset": 60 * 60_000,
  "staff-invite": 7 * 24 * 3600_000,
};

/**
 * Issues a token for `purpose`; only its hash is stored. Returns the token to put in the link.
 * `browserHash` binds a verification link to the browser that chose the password (see
 * `proveMailbox`).
 */
export async function issueToken(
  d: Db,
  userId: string,
  purpose: TokenPurpose,
  options: { now?: number; browserHash?: string | null } = {},
): Promise<string> {
  const now = options.now ?? Date.now();
  const token = randomToken();
  await d.insert(authTokens).values({
    tokenHash: await sha256Hex(token),
    userId,
    purpose,
    createdAt: now,
    expiresAt: now + TOKEN_TTL_MS[purpose],
    browserHash: options.browserHash ?? null,
  });
  return token;
}

/** The row condition of a token still usable for `purpose` at `now`: unused and unexpired. */
const usable = async (token: string, purpose: TokenPurpose, now: number) =>
  and(
    eq(authTokens.tokenHash, await sha256Hex(token)),
    eq(authTokens.purpose, purpose),
    isNull(authTokens.usedAt),
    gt(authTokens.expiresAt, now),
  );

/** The token's account when it is active, else null. */
async function activeOwner(d: Db, userId: string): Promise<UserRow | null> {
  const user = await findUserById(d, userId);
  return user && !user.disabledAt ? user : null;
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
): Promise<{ user: UserRow; token: AuthTokenRow } | null> {
  if (!token || token.length > 100) return null;
  const [used] = await d
    .update(authTokens)
    .set({ usedAt: now })
    .where(await usable(token, purpose, now))
    .returning();
  const user = used ? await activeOwner(d, used.userId) : null;
  return user && used ? { user, token: used } : null;
}

/**
 * The account a token would sign for, without using it (a page that asks for more before the
 * token is used); null whenever `consumeToken` would refuse it.
 */
export async function peekToken(
  d: Db,
  token: string,
  purpose: TokenPurpose,
  now = Date.now(),
): Promise<UserRow | null> {
  if (!token || token.length > 100) return null;
  const [row] = await d
    .select({ userId: authTokens.userId })
    .from(authTokens)
    .where(await usable(token, purpose, now))
    .limit(1);
  return row ? activeOwner(d, row.userId) : null;
}

/**
 * Ends every session and revokes every API key of a user made up to `now` (and forgets the
 * keys in this isolate's cache at once; other isolates within `KEY_CACHE_TTL_MS`).
 */
export async function revokeCredentials(d: Db, userId: string, now = Date.now()): Promise<void> {
  // One batch: sessions and keys end together, in one round trip.
  await d.batch([
    d
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), lte(sessions.createdAt, now))),
    d
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt), lte(apiKeys.createdAt, now))),
  ]);
  keyCache.forget({ userId });
}

/**
 * Someone proved they read the account's mailbox (a verification or magic link, a confirmed
 * request by email). For an account not verified yet, that is when it becomes the mailbox
 * owner's: anyone may have signed up with the address, so every credential set before —
 * the password (unless `keepPassword`: the link was opened in the browser that chose it, so
 * the clicker both chose it and reads the mail), sessions and API keys — is dropped in the same
 * step that verifies it. An already verified account is left as it is.
 *
 * @returns whether a password was removed (the portal asks the owner to set one).
 */
export async function proveMailbox(
  d: Db,
  userId: string,
  options: { keepPassword: boolean; now?: number },
): Promise<{ passwordRemoved: boolean }> {
  const now = options.now ?? Date.now();
  const before = await findUserById(d, userId);
  if (!before || before.emailVerifiedAt) return { passwordRemoved: false };
  const claimed = await d
    .update(users)
    .set({ emailVerifiedAt: now, updatedAt: now, ...(options.keepPassword ? {} : { passwordHash: null }) })
    .where(and(eq(users.id, userId), isNull(users.emailVerifiedAt)))
    .returning({ id: users.id });
  if (claimed.length === 0) return { passwordRemoved: false };
  await revokeCredentials(d, userId, now);
  return { passwordRemoved: !options.keepPassword && before.passwordHash !== null };
}

/**
 * A password reset by emailed link: the new password, the address verified (the link proved
 * it), and every session and API key made before it revoked — a reset is what someone does
 * who fears another knows the old password, and that other may have made keys with it.
 */
export async function resetPassword(d: Db, userId: string, password: string, now = Date.now()): Promise<void> {
  await d
    .update(users)
    .set({
      passwordHash: await hashPassword(password),
      emailVerifiedAt: sql`COALESCE(${users.emailVerifiedAt}, ${now})`,
      updatedAt: now,
    })
    .where(eq(users.id, userId));
  await revokeCredentials(d, userId, now);
}
