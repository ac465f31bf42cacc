import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "./accounts";

/**
 * What became of one inbound message:
 * - `pending`: waiting for its sender to confirm through the signed link (nothing runs yet);
 * - `accepted`: confirmed, or a reply in a known thread; `submissionId` is the request it made;
 * - `appended`: a reply to a still-pending request, whose text joins that request;
 * - `expired`: never confirmed in time; removed by the retention sweep;
 * - `ignored`: an auto-reply, a mailing list, our own mail: taken in and dropped, never answered;
 * - `bounce`: a delivery status notification or complaint, fed to the suppression list;
 * - `rejected`: refused with a reason the sending server returns to its user;
 * - `quarantined`: scored as spam (shared/mail/spam/): kept raw, never answered, until an admin
 *   releases it (it then runs as if just received) or deletes it.
 */
export const INBOUND_STATUSES = [
  "pending",
  "accepted",
  "appended",
  "expired",
  "ignored",
  "bounce",
  "rejected",
  "quarantined",
] as const;
export type InboundStatus = (typeof INBOUND_STATUSES)[number];

/**
 * Inbound mail, one row per message. `dedupeKey` (the Message-ID, or a hash of the raw message
 * when it has none) is unique, so a redelivered message is recognised and done only once.
 */
export const inboundEmails = sqliteTable(
  "inbound_emails",
  {
    id: text("id").primaryKey(),
    dedupeKey: text("dedupe_key").notNull(),
    /** The Message-ID without angle brackets, when the message had one. */
    messageId: text("message_id"),
    /** The sender's address (lower-cased header `From`), to whom every answer goes. */
    sender: text("sender").notNull(),
    recipient: text("recipient").notNull(),
    /**
     * The configured address it reached, as mail analytics counts it (shared/db/mail-stats.ts):
     * a route's address or alias, `*@domain` for a catch-all, `(unknown)`; null on older rows.
     */
    address: text("address"),
    subject: text("subject").notNull().default(""),
    status: text("status", { enum: INBOUND_STATUSES }).notNull(),
    /** Why it was ignored, rejected or bounced: for operators, never shown to the sender. */
    reason: text("reason"),
    /** R2 key of the raw message, kept until its request is removed. */
    rawKey: text("raw_key"),
    rawSize: integer("raw_size").notNull(),
    /** For `appended`: the pending message this one adds to. */
    parentId: text("parent_id"),
    /** The request this message made (or, for a reply, the request it followed up). */
    submissionId: text("submission_id"),
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    correlationId: text("correlation_id").notNull(),
    createdAt: integer("created_at").notNull(),
    confirmedAt: integer("confirmed_at"),
    /**
     * When we acknowledged it to its (unconfirmed) sender. Counted over the last hour, these
     * rows cap the acknowledgements forged senders can make us send (`INBOUND_ACKS_PER_HOUR`).
     */
    ackedAt: integer("acked_at"),
    /**
     * When our first answer to it (an acknowledgement, or a known sender's "started") was handed
     * to the mail provider: arrival → this is the time to acknowledgement of mail analytics.
     */
    ackSentAt: integer("ack_sent_at"),
    /** For a message scored as spam: its score and its reasons (JSON `SpamReason[]`, shared/mail/spam/). */
    spamScore: integer("spam_score"),
    spamReasons: text("spam_reasons"),
    /** When an admin released it from quarantine (it keeps its score and reasons). */
    releasedAt: integer("released_at"),
  },
  (t) => [
    uniqueIndex("inbound_emails_dedupe_unique").on(t.dedupeKey),
    index("inbound_emails_submission_idx").on(t.submissionId),
    index("inbound_emails_status_created_idx").on(t.status, t.createdAt),
    index("inbound_emails_parent_idx").on(t.parentId),
    index("inbound_emails_acked_idx").on(t.ackedAt),
    // Sender history for spam scoring: an address's earlier outcomes (shared/mail/spam/history.ts).
    index("inbound_emails_sender_status_idx").on(t.sender, t.status),
    // Mail analytics' times read a window of arrivals; the retention sweep reads old ones.
    index("inbound_emails_created_idx").on(t.createdAt),
  ],
);

/**
 * Every email we sent, by the Message-ID it carried on the wire (the one the provider reports,
 * without brackets) and its one recipient. A bounce or complaint is trusted only when the
 * original message it quotes is one of these, sent to the address it names: anyone can write a
 * delivery report, but nobody else knows which Message-IDs we sent to whom. Kept
 * `SENT_EMAIL_DAYS` (shared/mail/cleanup.ts); older reports are no longer trusted.
 */
export const sentEmails = sqliteTable(
  "sent_emails",
  {
    messageId: text("message_id").primaryKey(),
    /** Lower-cased. */
    recipient: text("recipient").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("sent_emails_created_idx").on(t.createdAt)],
);

/**
 * The email thread a request belongs to: what its outgoing mail must carry so mail clients
 * show it in the same conversation (`In-Reply-To` the sender's last message, `References` the
 * chain, `Re:` the original subject).
 */
export const emailThreads = sqliteTable(
  "email_threads",
  {
    submissionId: text("submission_id").primaryKey(),
    /** The inbound message that began the conversation (its confirmation token's subject). */
    rootInboundId: text("root_inbound_id").notNull(),
    subject: text("subject").notNull(),
    /** The sender's Message-ID we answer (without brackets). */
    inReplyTo: text("in_reply_to"),
    /** Every Message-ID of the conversation so far, oldest first, space-separated with brackets. */
    references: text("references").notNull().default(""),
    createdAt: integer("created_at").notNull(),
  },
  // Mail analytics joins a conversation's first message to its request's result.
  (t) => [index("email_threads_root_idx").on(t.rootInboundId)],
);

export type InboundEmailRow = typeof inboundEmails.$inferSelect;
export type EmailThreadRow = typeof emailThreads.$inferSelect;
export type SentEmailRow = typeof sentEmails.$inferSelect;
