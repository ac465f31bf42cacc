/**
 * The staff desk's tables: one thread of messages per request, and the saved replies staff
 * answer with. The desk's state of a request (status, assignee, the last customer message)
 * lives on its `submissions` row, so the inbox is one indexed query over one table.
 *
 * Only what people write is stored here. The thread's other entries — the request itself,
 * the AI's answer or draft, and the system events (received, completed, notified, bounced) —
 * are read from the rows that already hold them (`shared/desk/thread.ts`), so nothing is
 * written twice and the thread cannot disagree with the pipeline.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./accounts";
import { submissions } from "./submissions";

/**
 * Where a request stands on the desk:
 * - `new`: nobody on staff has acted on it;
 * - `open`: staff work on it, or the customer wrote last;
 * - `waiting`: staff answered; the customer has the next word;
 * - `resolved`: done; a customer message reopens it.
 */
export const DESK_STATUSES = ["new", "open", "waiting", "resolved"] as const;
export type DeskStatus = (typeof DESK_STATUSES)[number];

/**
 * Whether a workflow's result goes to the customer when the job completes (`auto`) or waits as
 * a draft for staff to edit and send, or discard (`review`). Set at intake from configuration
 * (`REVIEW_WORKFLOWS`) and kept with the request, so a change of configuration never changes a
 * job already running.
 */
export const REVIEW_POLICIES = ["auto", "review"] as const;
export type ReviewPolicy = (typeof REVIEW_POLICIES)[number];

/**
 * What a stored message is: the customer's (`customer`), a staff reply the customer receives
 * (`reply`), or an internal note staff keep among themselves (`note`, never shown to the
 * customer by any view).
 */
export const MESSAGE_KINDS = ["customer", "reply", "note"] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** The way a message came in (or, for staff, `desk`). */
export const MESSAGE_CHANNELS = ["portal", "api", "email", "desk"] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

/** The longest message body, in characters (as the intake's request text). */
export const MAX_MESSAGE_CHARS = 20_000;

/**
 * One message of a request's thread. `clientKey` makes writing idempotent: the same key for
 * the same request (a double click, a retried API call, a redelivered mail's Message-ID) finds
 * the message already written instead of writing, and sending, a second one.
 */
export const submissionMessages = sqliteTable(
  "submission_messages",
  {
    /** `msg_` + ULID: sorts by time. */
    id: text("id").primaryKey(),
    submissionId: text("submission_id")
      .notNull()
      .references(() => submissions.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: MESSAGE_KINDS }).notNull(),
    channel: text("channel", { enum: MESSAGE_CHANNELS }).notNull(),
    /** Who wrote it: the customer's account, a member of staff, or null (a mail from no account). */
    authorId: text("author_id").references(() => users.id, { onDelete: "set null" }),
    /** Markdown (staff) or plain text (customers), at most `MAX_MESSAGE_CHARS`. */
    body: text("body").notNull(),
    /** JSON array of the ids of files (`submission_files`) that came with it; null when none. */
    fileIds: text("file_ids"),
    clientKey: text("client_key"),
    /** The Message-ID (without brackets) of the mail that brought it, or that carried a reply out. */
    emailMessageId: text("email_message_id"),
    /** Set when the AI's draft was sent as this reply (edited or not): the thread says so. */
    fromDraft: integer("from_draft").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("submission_messages_thread_idx").on(t.submissionId, t.createdAt),
    uniqueIndex("submission_messages_client_key_unique").on(t.submissionId, t.clientKey),
  ],
);

/** A reply staff reuse; `{{customer.name}}`, `{{request.id}}` and the like are filled in on use. */
export const savedReplies = sqliteTable(
  "saved_replies",
  {
    id: text("id").primaryKey(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("saved_replies_title_unique").on(t.title)],
);

export type SubmissionMessageRow = typeof submissionMessages.$inferSelect;
export type SavedReplyRow = typeof savedReplies.$inferSelect;
