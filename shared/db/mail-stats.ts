/**
 * Mail analytics (`/app/admin/mail/analytics`, `/metrics`): one counter per UTC day, address,
 * event and reason, raised by an upsert where the event happens (shared/mail/analytics/count.ts)
 * — folded into the statement batch that records the event wherever there is one, so counting
 * costs no extra round trip to D1 there. The times from arrival to acknowledgement and to result
 * are not counted here: they are read from the messages' own rows (`inbound_emails.ack_sent_at`,
 * the result's delivery-log row).
 *
 * Cardinality is bounded by configuration, never by what senders choose: `address` is the
 * configured address a message reached (a route's address or alias, `*@domain` for a
 * catch-all, without a `+tag`), `(unknown)` for every address nobody configured, `MAIL_FROM`
 * for reports to our return path, and `""` for outbound mail, which no inbound address owns;
 * `event` and `reason` are the closed lists below. A day's rows are at most addresses × (events
 * + reasons), about 25 per address; days older than `MAIL_STATS_DAYS` (400) are folded into one
 * row per counter under day `0000-00-00` by the daily sweep, so lifetime totals stay whole.
 */
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * What is counted. Every message that arrives ends as one of the four arrival events, so their
 * sum is the mail received (duplicates of a message already taken in are not counted again):
 * - `accepted`: taken in as a person's mail: waiting for its sender's confirmation, started at
 *   once (a known sender), or joined to a conversation or a request's thread;
 * - `refused`: returned to its sender with a reason (`REFUSAL_REASONS`);
 * - `quarantined`: scored as spam and kept unanswered;
 * - `ignored`: taken in and dropped, never answered (`IGNORED_REASONS`).
 * Later events of a message, on the day they happen:
 * - `released`: an admin released it from quarantine (it then runs as just received);
 * - `confirmed`: its sender confirmed it through the signed link, or it was a known sender's;
 * - `forwarded`: a copy went to at least one staff mailbox.
 * Outbound mail (address `""`), counted on the day it was sent — a bounce or complaint on the
 * day of the mail it reports about, so a day's `sent − bounced` is its mail not reported lost:
 * - `sent`: handed to the `send_email` binding (results, acknowledgements, account mail);
 * - `bounced`, `complained`: a trusted report (shared/mail/reports.ts) per recipient.
 */
export const MAIL_STAT_EVENTS = [
  "accepted",
  "refused",
  "quarantined",
  "ignored",
  "released",
  "confirmed",
  "forwarded",
  "sent",
  "bounced",
  "complained",
] as const;
export type MailStatEvent = (typeof MAIL_STAT_EVENTS)[number];

/** The four events a message's arrival ends in; their sum is the mail received. */
export const ARRIVAL_EVENTS = ["accepted", "refused", "quarantined", "ignored"] as const;

/** Why mail was refused. `other`: a refusal this list does not name yet (counted, never lost). */
export const REFUSAL_REASONS = [
  "unknown-address",
  "address-off",
  "too-large",
  "unparseable",
  "no-sender",
  "too-many-attachments",
  "text-too-long",
  "empty",
  "ack-cap",
  "forward-failed",
  "account-disabled",
  "other",
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Why mail was ignored: automatic mail, forwarded only, a sender with too many waiting, a report. */
export const IGNORED_REASONS = ["automatic", "forwarded-only", "pending-limit", "report", "other"] as const;
export type IgnoredReason = (typeof IGNORED_REASONS)[number];

/** The address every address nobody configured is counted under. */
export const UNKNOWN_ADDRESS = "(unknown)";
/** The address outbound mail is counted under. */
export const OUTBOUND_ADDRESS = "";

export const mailStats = sqliteTable(
  "mail_stats",
  {
    /** The UTC day, `YYYY-MM-DD`. */
    day: text("day").notNull(),
    address: text("address").notNull(),
    event: text("event", { enum: MAIL_STAT_EVENTS }).notNull(),
    /** A `REFUSAL_REASONS` or `IGNORED_REASONS` entry for those events; `""` for the others. */
    reason: text("reason").notNull().default(""),
    n: integer("n").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.address, t.event, t.reason] })],
);

export type MailStatRow = typeof mailStats.$inferSelect;
