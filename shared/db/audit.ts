import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The audit trail: append-only (triggers refuse UPDATE and DELETE) and hash-chained. Each
 * row's `hash` covers its content and the previous row's hash; `prev_hash` is unique, so two
 * writers racing for the same predecessor cannot fork the chain — the loser retries.
 * Rows name people only by opaque ids and a truncated IP, so deleting an account leaves the
 * trail intact and pseudonymous.
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    actorType: text("actor_type", { enum: ["user", "staff", "admin", "system", "anonymous"] }).notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    /** The client's IP with the host part dropped (/24 for IPv4, /48 for IPv6). */
    ip: text("ip"),
    userAgent: text("user_agent"),
    correlationId: text("correlation_id"),
    /** JSON of the changed fields before and after, for changes. */
    before: text("before"),
    after: text("after"),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    uniqueIndex("audit_log_prev_hash_unique").on(t.prevHash),
    index("audit_log_actor_idx").on(t.actorId, t.at),
    index("audit_log_action_idx").on(t.action, t.at),
    index("audit_log_target_idx").on(t.targetType, t.targetId),
  ],
);

export type AuditRow = typeof auditLog.$inferSelect;
