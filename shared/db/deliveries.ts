/** Notifications (one per event × channel × recipient) and the timeline of each delivery. */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./accounts";

import { submissions } from "./submissions";

/**
 * A delivery's status: `queued` → `sending` → `sent` → `delivered` (when the provider confirms),
 * or `failed` (permanently, or after every retry) or `suppressed` (the address is on the
 * suppression list; nothing was sent).
 */
export const NOTIFICATION_STATUSES = ["queued", "sending", "sent", "delivered", "failed", "suppressed"] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * Delivery log: one row per (subject, event, channel), where the subject is the submission
 * (submission events), the account event's own id, or the digest day. The deterministic id
 * `<subject>:<event>:<channel>` is what makes every send idempotent, whatever is redelivered.
 * The attempt timeline is `notification_attempts`.
 */
export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    /** The submission the event is about; null for account events and digests. */
    submissionId: text("submission_id").references(() => submissions.id, { onDelete: "cascade" }),
    /** The recipient's account; null only for rows written before accounts existed. */
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    channel: text("channel").notNull(),
    recipient: text("recipient").notNull(),
    status: text("status", { enum: NOTIFICATION_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** Until when a `sending` claim is held; a stale claim may be taken over. */
    claimedUntil: integer("claimed_until"),
    providerMessageId: text("provider_message_id"),
    error: text("error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    sentAt: integer("sent_at"),
    /** Template locale the message was rendered in. */
    locale: text("locale"),
    correlationId: text("correlation_id"),
    /** When this delivery was counted against its user's daily quota of a paid channel. */
    chargedAt: integer("charged_at"),
  },
  (t) => [
    index("notifications_submission_idx").on(t.submissionId),
    // The daily quota per user and paid channel counts these (workers/notifications/quota.ts).
    index("notifications_user_channel_charged_idx").on(t.userId, t.channel, t.chargedAt),
    // Ownership codes sent to one destination, across every account.
    index("notifications_channel_recipient_idx").on(t.channel, t.recipient, t.createdAt),
    index("notifications_user_created_idx").on(t.userId, t.createdAt),
    index("notifications_status_updated_idx").on(t.status, t.updatedAt),
    // Provider delivery reports (WhatsApp status webhooks) name the message, not our id.
    index("notifications_provider_message_idx").on(t.providerMessageId),
  ],
);

/** Outcome of one step of a delivery's timeline. */
export const ATTEMPT_STATUSES = ["queued", "sent", "delivered", "retry", "failed", "suppressed", "skipped"] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/**
 * The timeline of each delivery: queued, every send attempt (with the provider's message id or
 * its error, and whether a retry could succeed), and the final state.
 */
export const notificationAttempts = sqliteTable(
  "notification_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    notificationId: text("notification_id")
      .notNull()
      .references(() => notifications.id, { onDelete: "cascade" }),
    status: text("status", { enum: ATTEMPT_STATUSES }).notNull(),
    /** 1-based number of the send attempt; 0 for entries that are not attempts (queued). */
    attempt: integer("attempt").notNull().default(0),
    providerMessageId: text("provider_message_id"),
    error: text("error"),
    /** HTTP status the provider answered, when there was one. */
    httpStatus: integer("http_status"),
    at: integer("at").notNull(),
  },
  (t) => [index("notification_attempts_notification_idx").on(t.notificationId, t.at)],
);

export type NotificationRow = typeof notifications.$inferSelect;
export type NotificationAttemptRow = typeof notificationAttempts.$inferSelect;
