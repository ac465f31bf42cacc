import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./accounts";

export * from "./accounts";

/** Lifecycle of a submission; the last three are terminal. */
export const SUBMISSION_STATUSES = ["queued", "running", "completed", "failed", "cancelled"] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** Lifecycle of one pipeline step. */
export const STEP_STATUSES = ["pending", "running", "done", "failed", "skipped"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/**
 * A delivery's status: `queued` → `sending` → `sent` → `delivered` (when the provider confirms),
 * or `failed` (permanently, or after every retry) or `suppressed` (the address is on the
 * suppression list; nothing was sent).
 */
export const NOTIFICATION_STATUSES = ["queued", "sending", "sent", "delivered", "failed", "suppressed"] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * One row per accepted request. Written in one D1 batch with its steps at intake; afterwards
 * only the job's Durable Object changes it (status, summary, result key, error).
 */
export const submissions = sqliteTable(
  "submissions",
  {
    id: text("id").primaryKey(),
    status: text("status", { enum: SUBMISSION_STATUSES }).notNull(),
    source: text("source", { enum: ["api", "portal", "email"] }).notNull(),
    /** The owner. Null only for submissions made before accounts existed. */
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    /** Where the result is emailed (the owner's address at submission time). */
    email: text("email").notNull(),
    textChars: integer("text_chars").notNull(),
    /**
     * The first characters of the request text (whitespace collapsed), so admins can find a
     * request by its words (`submissions_search`, FTS5) without reading R2. Goes with the row.
     */
    excerpt: text("excerpt"),
    /** R2 key of the raw input (`inputs/<id>.json`). */
    inputKey: text("input_key").notNull(),
    /** R2 key of the result markdown (`results/<id>.md`), once stored. */
    resultKey: text("result_key"),
    summary: text("summary"),
    /** Public reason for a `failed` status; never a stack trace or an upstream body. */
    error: text("error"),
    aiProvider: text("ai_provider"),
    /** The workflow (named step list, `shared/workflows.ts`) the job runs. */
    workflow: text("workflow").notNull().default("analyse"),
    correlationId: text("correlation_id").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    completedAt: integer("completed_at"),
    /**
     * 1 when the user asked to keep this submission: the retention sweep never removes a pinned
     * submission or its R2 objects. An integer, not a boolean mode, so the SQL stays plain.
     */
    pinned: integer("pinned").notNull().default(0),
  },
  (t) => [
    index("submissions_status_created_idx").on(t.status, t.createdAt),
    index("submissions_email_idx").on(t.email),
    index("submissions_user_created_idx").on(t.userId, t.createdAt),
    // The per-owner concurrency limit counts an owner's running jobs.
    index("submissions_email_status_idx").on(t.email, t.status),
    // The admin dashboard counts finished jobs per hour.
    index("submissions_completed_idx").on(t.completedAt),
  ],
);

/** The step timeline of each submission, mirrored from its Durable Object on every change. */
export const submissionSteps = sqliteTable(
  "submission_steps",
  {
    submissionId: text("submission_id")
      .notNull()
      .references(() => submissions.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    position: integer("position").notNull(),
    status: text("status", { enum: STEP_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    provider: text("provider"),
    error: text("error"),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
  },
  (t) => [
    primaryKey({ columns: [t.submissionId, t.name] }),
    // The admin dashboard's step-duration percentiles read a time range.
    index("submission_steps_finished_idx").on(t.finishedAt),
  ],
);

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

export type SubmissionRow = typeof submissions.$inferSelect;
export type SubmissionStepRow = typeof submissionSteps.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;
export type NotificationAttemptRow = typeof notificationAttempts.$inferSelect;
export * from "./api";
export * from "./audit";
export * from "./content";
export * from "./email";
export * from "./files";
export * from "./notifications";
export * from "./orchestration";
export * from "./webhooks";
