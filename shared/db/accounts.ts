import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Roles by privilege: `staff` see and answer every request; `admin` also run the platform. */
export const ROLES = ["user", "staff", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Whether the role sees every request (staff and admins), not only its own. */
export const isStaff = (role: Role): boolean => role === "staff" || role === "admin";

/** A role's rank: a change to a lower one ends the account's sessions and keys. */
export const roleRank = (role: Role): number => ROLES.indexOf(role);

/**
 * API key scopes. A key only does what its scopes allow; `account:manage` (export all data,
 * delete the account) is never granted unless asked for; `admin:read` (the audit trail) works
 * only for an admin's key.
 */
export const SCOPES = ["submissions:read", "submissions:write", "account:manage", "admin:read"] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Whether a new request mailed from the account's own address starts without the confirmation
 * round trip (shared/mail/routes/known-sender.ts): `off` (always confirm, the default),
 * `authenticated` (only with a passing, aligned authentication result from a trusted
 * authserv-id), `always` (trust the address without authentication).
 */
export const KNOWN_SENDER_MODES = ["off", "authenticated", "always"] as const;
export type KnownSenderMode = (typeof KNOWN_SENDER_MODES)[number];

/** Purposes of single-use emailed links. */
export const TOKEN_PURPOSES = ["verify-email", "magic-link", "password-reset", "staff-invite"] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/**
 * People. `email` is stored lower-cased. The password hash records its own algorithm
 * parameters (PBKDF2-SHA256, salt, iterations) so the iteration count can be raised later and
 * old hashes upgraded at the next sign-in.
 */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull().default(""),
    role: text("role", { enum: ROLES }).notNull().default("user"),
    /** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`, or null for magic-link-only accounts. */
    passwordHash: text("password_hash"),
    emailVerifiedAt: integer("email_verified_at"),
    locale: text("locale").notNull().default("en"),
    timeZone: text("time_zone").notNull().default("UTC"),
    disabledAt: integer("disabled_at"),
    /** `KNOWN_SENDER_MODES`: whether mail from this address may skip the confirmation. */
    knownSender: text("known_sender", { enum: KNOWN_SENDER_MODES }).notNull().default("off"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email)],
);

/**
 * Browser sessions. The cookie carries a random token; only its SHA-256 is stored, so a read
 * of this table does not yield usable cookies. `csrfToken` is the per-session synchroniser
 * token every state-changing form must echo.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    tokenHash: text("token_hash").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    csrfToken: text("csrf_token").notNull(),
    userAgent: text("user_agent"),
    ip: text("ip"),
    createdAt: integer("created_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    /** Absolute expiry; idle expiry is `lastSeenAt + IDLE_MS`. */
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("sessions_token_hash_unique").on(t.tokenHash), index("sessions_user_idx").on(t.userId)],
);

/** API keys: shown once, stored as SHA-256, recognisable by a visible prefix. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The first characters of the key (`sx_live_ab12cd34`), safe to show. */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    /** Space-separated scopes. */
    scopes: text("scopes").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_unique").on(t.keyHash), index("api_keys_user_idx").on(t.userId)],
);

/** Single-use emailed tokens (verification, magic link, reset), stored as SHA-256. */
export const authTokens = sqliteTable(
  "auth_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: TOKEN_PURPOSES }).notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    /**
     * For a verification link: SHA-256 of the sign-up cookie of the browser that chose the
     * password. Opening the link in that browser keeps the password; anywhere else the
     * password is dropped (the clicker proved the mailbox, not that they chose it).
     */
    browserHash: text("browser_hash"),
  },
  (t) => [index("auth_tokens_user_idx").on(t.userId)],
);

/**
 * Failed password sign-ins per address (registered or not, so a lock says nothing about an
 * account). `subject` is the SHA-256 of the lower-cased address: strangers' addresses are not
 * stored. Rows go on a successful sign-in, and stale ones are pruned as failures come in.
 */
export const signinFailures = sqliteTable(
  "signin_failures",
  {
    subject: text("subject").primaryKey(),
    failures: integer("failures").notNull(),
    /** No password is checked for this address before this time (0: not locked). */
    lockedUntil: integer("locked_until").notNull(),
    /** The last failure. */
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("signin_failures_updated_idx").on(t.updatedAt)],
);

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type AuthTokenRow = typeof authTokens.$inferSelect;
