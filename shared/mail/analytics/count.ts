/**
 * Counting mail events into `mail_stats` (shared/db/mail-stats.ts): one upsert per event,
 * `INSERT … ON CONFLICT DO UPDATE SET n = n + 1`, on the row of its UTC day, address, event
 * and reason. Each statement is a batch item, so it joins the batch that records the event —
 * the message's record, the confirmation's claim, the forward's log entry, the sent log — and
 * counting costs no extra round trip. Only the refusals recorded nowhere else (a message too
 * large to read, or unreadable) cost a statement of their own.
 *
 * An event is counted once: an arrival only when its record was written (a duplicate delivered
 * at the same moment writes nothing, and is not counted), a confirmation only when it claimed
 * the message. A refusal is counted every time: a resent message is judged, and refused, again.
 */
import { and, eq, isNull, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import {
  type IgnoredReason,
  type InboundStatus,
  inboundEmails,
  type MailStatEvent,
  mailStats,
  OUTBOUND_ADDRESS,
  type RefusalReason,
  UNKNOWN_ADDRESS,
} from "../../db/schema";

/** The UTC day of `ms`, `YYYY-MM-DD`: the day a counter belongs to. */
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** SQL for the UTC day of a millisecond column, as `dayOf` writes it. */
export const sqlDayOf = (column: string) => `strftime('%Y-%m-%d', ${column} / 1000, 'unixepoch')`;

/**
 * The internal reasons `record` keeps on refused and ignored messages (shared/mail/*), by the
 * words they begin with, and the closed reason each is counted under. A reason may go on with
 * details (a cap, a header value, destinations): only its start is read, so what a sender wrote
 * never becomes a counter of its own.
 */
const REFUSALS: readonly [string, RefusalReason][] = [
  ["unknown recipient", "unknown-address"],
  ["address switched off", "address-off"],
  ["no sender address", "no-sender"],
  ["too many attachments", "too-many-attachments"],
  ["text too long", "text-too-long"],
  ["empty", "empty"],
  ["no usable attachment", "empty"],
  ["unconfirmed acknowledgement cap", "ack-cap"],
  ["forward failed", "forward-failed"],
  ["account disabled", "account-disabled"],
];
const IGNORED: readonly [string, IgnoredReason][] = [
  ["forwarded only", "forwarded-only"],
  ["sender already has", "pending-limit"],
  // Reports (policy.ts `classify`) that answer no message of ours: recorded ignored.
  ["feedback report", "report"],
  ["delivery status notification", "report"],
  ["bounce without a delivery report", "report"],
  // Automatic mail (policy.ts `classify`).
  ["auto-submitted:", "automatic"],
  ["precedence:", "automatic"],
  ["x-auto-response-suppress:", "automatic"],
  ["x-autoreply header", "automatic"],
  ["x-autorespond header", "automatic"],
  ["x-autoresponder header", "automatic"],
  ["x-loop header", "automatic"],
  ["list-id header", "automatic"],
  ["feedback-id header", "automatic"],
  ["automatic sender", "automatic"],
  ["mail from our own address", "automatic"],
];

function reasonOf<R extends string>(table: readonly [string, R][], text: string | null | undefined, other: R): R {
  const value = (text ?? "").toLowerCase();
  return table.find(([start]) => value.startsWith(start))?.[1] ?? other;
}

/** What one message's record is counted as: its arrival event and the closed reason. */
export function arrivalOf(
  outcome: { status: InboundStatus; reason?: string | null },
  released = false,
): { event: MailStatEvent; reason: string } | null {
  const { status, reason } = outcome;
  // A release that did not happen (refused: the message goes back to quarantine) is not one.
  if (released) return status === "rejected" ? null : { event: "released", reason: "" };
  switch (status) {
    case "pending":
    case "accepted":
    case "appended":
      return { event: "accepted", reason: "" };
    case "quarantined":
      return { event: "quarantined", reason: "" };
    case "rejected":
      return { event: "refused", reason: reasonOf(REFUSALS, reason, "other") };
    case "bounce":
      return { event: "ignored", reason: "report" };
    case "ignored":
      return { event: "ignored", reason: reasonOf(IGNORED, reason, "other") };
    case "expired":
      return null;
  }
}

const KEY = [mailStats.day, mailStats.address, mailStats.event, mailStats.reason];

/**
 * One counter raised by one, as a batch item: `INSERT INTO mail_stats SELECT <row> <rest>
 * ON CONFLICT DO UPDATE SET n = n + 1`, where `rest` (a FROM and WHERE, or just a WHERE) says
 * when to count. The WHERE is also what SQLite needs to read `ON CONFLICT` as the upsert of an
 * INSERT … SELECT.
 */
function upsert(d: Db, row: { day: string; address: SQL | string; event: MailStatEvent; reason: string }, rest: SQL) {
  return d
    .insert(mailStats)
    .select(sql`SELECT ${row.day}, ${row.address}, ${row.event}, ${row.reason}, 1 ${rest}`)
    .onConflictDoUpdate({ target: KEY, set: { n: sql`${mailStats.n} + 1` } });
}
const always = sql`WHERE 1`;

/**
 * The batch item counting a message's arrival as recorded under `id`: only when the row with
 * that id exists once the record's insert ran (a refusal: always). Null: nothing to count.
 */
export function arrivalCount(
  d: Db,
  at: { id: string; now: number; address?: string; released?: boolean },
  outcome: { status: InboundStatus; reason?: string | null },
) {
  const counted = arrivalOf(outcome, at.released);
  if (!counted) return null;
  const when =
    counted.event === "refused" ? always : sql`WHERE EXISTS (SELECT 1 FROM inbound_emails WHERE id = ${at.id})`;
  return upsert(d, { day: dayOf(at.now), address: at.address ?? UNKNOWN_ADDRESS, ...counted }, when);
}

/** Counts a refusal that nothing else records (a message too large or unreadable to record). */
export async function countRefusal(
  d: Db,
  at: { now: number; address?: string },
  reason: Extract<RefusalReason, "too-large" | "unparseable">,
) {
  await upsert(d, { day: dayOf(at.now), address: at.address ?? UNKNOWN_ADDRESS, event: "refused", reason }, always);
}

/** The batch item counting a forward of a message to `address`. */
export const forwardCount = (d: Db, at: { now: number; address?: string }) =>
  upsert(d, { day: dayOf(at.now), address: at.address ?? UNKNOWN_ADDRESS, event: "forwarded", reason: "" }, always);

/**
 * The batch item, after the claim in the same batch, counting message `id` confirmed at `now`
 * under the address it was counted at on arrival: only if the claim set its `confirmed_at` to
 * `now` (a claim that found it taken sets nothing).
 */
export const confirmedCount = (d: Db, id: string, now: number) =>
  upsert(
    d,
    { day: dayOf(now), address: sql`COALESCE(address, ${UNKNOWN_ADDRESS})`, event: "confirmed", reason: "" },
    sql`FROM inbound_emails WHERE id = ${id} AND status = 'accepted' AND confirmed_at = ${now}`,
  );

/**
 * The batch item, before the release in the same batch, taking back the confirmation of
 * message `id` whose request could not start (its link works again, and counts again then).
 */
export const unconfirmedCount = (d: Db, id: string) =>
  d
    .update(mailStats)
    .set({ n: sql`${mailStats.n} - 1` })
    .where(
      sql`n > 0 AND event = 'confirmed' AND reason = ''
        AND (day, address) = (SELECT ${sql.raw(sqlDayOf("confirmed_at"))}, COALESCE(address, ${UNKNOWN_ADDRESS})
          FROM inbound_emails WHERE id = ${id} AND status = 'accepted' AND confirmed_at IS NOT NULL)`,
    );

/** The batch item counting one outbound message sent at `now`. */
export const sentCount = (d: Db, now: number) =>
  upsert(d, { day: dayOf(now), address: OUTBOUND_ADDRESS, event: "sent", reason: "" }, always);

/** The batch item counting a trusted bounce or complaint about a message we sent at `sentAt`. */
export const reportCount = (d: Db, kind: "bounced" | "complained", sentAt: number) =>
  upsert(d, { day: dayOf(sentAt), address: OUTBOUND_ADDRESS, event: kind, reason: "" }, always);

/**
 * Records when our first answer to message `id` went out (`ack_sent_at`): its time from
 * arrival to acknowledgement. One statement; a later answer in the same conversation keeps
 * the first time.
 */
export async function recordAckSent(d: Db, id: string, at = Date.now()): Promise<void> {
  await d
    .update(inboundEmails)
    .set({ ackSentAt: at })
    .where(and(eq(inboundEmails.id, id), isNull(inboundEmails.ackSentAt)));
}

/** Days `mail_stats` keeps a row of its own; older rows are folded into `BEFORE_DAY`. */
export const MAIL_STATS_DAYS = 400;
/** The day every older counter is folded into: `/metrics` totals stay whole (counters never go down). */
export const BEFORE_DAY = "0000-00-00";

/**
 * Keeps `mail_stats` bounded: rows older than `MAIL_STATS_DAYS` are added into one row per
 * address, event and reason under `BEFORE_DAY`, then removed — one batch, so no count is lost or
 * counted twice. The daily sweep runs it (shared/mail/cleanup.ts). Returns the rows removed.
 */
export async function foldOldStats(d1: D1Database, now = Date.now()): Promise<number> {
  const cutoff = dayOf(now - MAIL_STATS_DAYS * 86_400_000);
  const [, removed] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO mail_stats (day, address, event, reason, n)
         SELECT ?1, address, event, reason, SUM(n) FROM mail_stats WHERE day < ?2 AND day != ?1
         GROUP BY address, event, reason
         ON CONFLICT (day, address, event, reason) DO UPDATE SET n = n + excluded.n`,
      )
      .bind(BEFORE_DAY, cutoff),
    d1.prepare("DELETE FROM mail_stats WHERE day < ?2 AND day != ?1").bind(BEFORE_DAY, cutoff),
  ]);
  return removed?.meta.changes ?? 0;
}
