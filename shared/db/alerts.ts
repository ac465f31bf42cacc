import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const ALERT_STATES = ["firing", "resolved"] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export const ALERT_EVENT_KINDS = ["fired", "notified", "resolved"] as const;

/**
 * One row per incident of an alert rule (shared/slo/alerts.ts): opened when the rule's
 * condition first holds, resolved when it stops. `key` names the rule instance
 * (`burn:availability:fast`, `dlq`, `provider:workers-ai`, `channel:sms`); at most one row per
 * key is firing (a partial unique index), which is what keeps an incident to one notice.
 */
export const alerts = sqliteTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    key: text("key").notNull(),
    rule: text("rule").notNull(),
    /** `page` (fast burn, provider down, DLQ) or `ticket` (slow burn, a weak channel). */
    severity: text("severity").notNull(),
    state: text("state", { enum: ALERT_STATES }).notNull(),
    /** What held when it fired, in words (admins read it in the notice and on the alerts page). */
    summary: text("summary").notNull(),
    firedAt: integer("fired_at").notNull(),
    /** The last evaluation that found the condition still holding. */
    lastSeenAt: integer("last_seen_at").notNull(),
    resolvedAt: integer("resolved_at"),
  },
  (t) => [
    uniqueIndex("alerts_firing_key_idx").on(t.key).where(sql`state = 'firing'`),
    index("alerts_fired_idx").on(t.firedAt),
  ],
);

/** Each alert's timeline: fired, admins notified (how many deliveries), resolved. */
export const alertEvents = sqliteTable(
  "alert_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    alertId: text("alert_id")
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ALERT_EVENT_KINDS }).notNull(),
    at: integer("at").notNull(),
    detail: text("detail"),
  },
  (t) => [index("alert_events_alert_idx").on(t.alertId, t.at)],
);

export type AlertRow = typeof alerts.$inferSelect;
export type AlertEventRow = typeof alertEvents.$inferSelect;
