import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./accounts";

/** Every channel a notification can go out on. */
export const CHANNELS = ["email", "sms", "whatsapp", "telegram", "slack", "discord"] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * Events people can be told about. Submission events concern one request of the owner;
 * account events are security notices about the account itself; `digest.daily` is the
 * once-a-day summary of completed requests (email only); `staff.new_request` tells staff
 * (and admins) that a customer's request arrived, by any intake. `submission.replied` brings
 * the customer a staff reply (one delivery per reply); `staff.customer_replied` tells the
 * request's assignee (or, with nobody assigned, all staff) that the customer answered;
 * `staff.draft_ready` tells staff that the AI's draft of a request waits for them on the desk;
 * `staff.digest` is staff's once-a-day list of the requests that arrived (email only);
 * `alert.firing` and `alert.resolved` tell admins that an alert rule opened or cleared an incident.
 */
export const NOTIFICATION_EVENTS = [
  "submission.received",
  "submission.completed",
  "submission.failed",
  "submission.cancelled",
  "submission.needs_review",
  "submission.replied",
  "account.password_changed",
  "account.api_key_created",
  "digest.daily",
  "staff.new_request",
  "staff.customer_replied",
  "staff.draft_ready",
  "staff.digest",
  "alert.firing",
  "alert.resolved",
] as const;

/** Events only staff and admins are told about (and see in their preferences). */
export const STAFF_EVENTS: readonly NotificationEvent[] = [
  "staff.new_request",
  "staff.customer_replied",
  "staff.draft_ready",
  "staff.digest",
  "alert.firing",
  "alert.resolved",
];
/** Of those, the ones for admins alone: an operational alert opening and clearing (shared/slo/alerts.ts). */
export const ADMIN_EVENTS: readonly NotificationEvent[] = ["alert.firing", "alert.resolved"];
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** Locales templates exist in; anything else falls back to English. */
export const LOCALES = ["en", "cs"] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * Where a user can be reached on each non-email channel (email goes to the account address):
 * an E.164 phone number (SMS, WhatsApp), a Telegram chat id, a Slack or Discord incoming
 * webhook URL. Validated on write (workers/notifications/preferences.ts). SMS, WhatsApp and
 * Telegram destinations receive nothing until their owner entered the code sent to them
 * (`verifiedAt`; workers/notifications/verification.ts).
 */
export const channelDestinations = sqliteTable(
  "channel_destinations",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    channel: text("channel", { enum: CHANNELS }).notNull(),
    address: text("address").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /** When the owner proved they receive at `address` (null: not yet; nothing is sent there). */
    verifiedAt: integer("verified_at"),
  },
  (t) => [primaryKey({ columns: [t.userId, t.channel] })],
);

/**
 * The one pending ownership code of a destination: a 6-digit code, stored only as
 * `<salt hex>.<HMAC-SHA-256 hex>` under SIGNING_KEY, for the address it was sent to. It
 * expires after 10 minutes or 5 wrong tries; a new code replaces it. `notificationId` is the
 * code's delivery-log row, marked `delivered` once the code is entered.
 */
export const destinationCodes = sqliteTable(
  "destination_codes",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    channel: text("channel", { enum: CHANNELS }).notNull(),
    address: text("address").notNull(),
    codeHash: text("code_hash").notNull(),
    attempts: integer("attempts").notNull().default(0),
    sentAt: integer("sent_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    notificationId: text("notification_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.channel] })],
);

/**
 * A user's choice for one event on one channel. No row means the default
 * (workers/notifications/preferences.ts: email on for completed, failed, cancelled,
 * needs_review and the account notices; everything else off).
 */
export const notificationPreferences = sqliteTable(
  "notification_preferences",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    event: text("event", { enum: NOTIFICATION_EVENTS }).notNull(),
    channel: text("channel", { enum: CHANNELS }).notNull(),
    enabled: integer("enabled").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.event, t.channel] })],
);

export const SUPPRESSION_REASONS = ["hard_bounce", "complaint", "unsubscribe", "manual", "invalid"] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/**
 * Addresses nothing is sent to, per channel: hard bounces, complaints, unsubscribes, addresses
 * a provider called invalid, and manual entries. `address` is normalised (lower-case email,
 * E.164 number, chat id, webhook URL).
 */
export const suppressions = sqliteTable(
  "suppressions",
  {
    channel: text("channel", { enum: CHANNELS }).notNull(),
    address: text("address").notNull(),
    reason: text("reason", { enum: SUPPRESSION_REASONS }).notNull(),
    /** Who or what added it: `bounce:<message id>`, `unsubscribe-link`, `admin:<user id>`, … */
    source: text("source").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.address] })],
);

/**
 * The text of each event on each channel in each locale, `{{var}}` placeholders (escaped for
 * the channel). Seeded by migration; admins edit them through `/v1/admin/notification-templates`.
 * `subject` is used by email only.
 */
export const notificationTemplates = sqliteTable(
  "notification_templates",
  {
    event: text("event", { enum: NOTIFICATION_EVENTS }).notNull(),
    channel: text("channel", { enum: CHANNELS }).notNull(),
    locale: text("locale", { enum: LOCALES }).notNull(),
    subject: text("subject").notNull().default(""),
    body: text("body").notNull(),
    updatedAt: integer("updated_at").notNull(),
    updatedBy: text("updated_by"),
  },
  (t) => [primaryKey({ columns: [t.event, t.channel, t.locale] })],
);

export type ChannelDestinationRow = typeof channelDestinations.$inferSelect;
export type DestinationCodeRow = typeof destinationCodes.$inferSelect;
export type NotificationPreferenceRow = typeof notificationPreferences.$inferSelect;
export type SuppressionRow = typeof suppressions.$inferSelect;
export type NotificationTemplateRow = typeof notificationTemplates.$inferSelect;
