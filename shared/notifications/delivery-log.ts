/**
 * Writes to the delivery log: each row's status and the timeline of what happened to it
 * (attempts, retries, provider confirmations and reports, dead-lettering). Every status change
 * of a delivery-log row after it was queued goes through here.
 */
import { and, eq, inArray } from "drizzle-orm";
import { type Db, db } from "../db/client";
import { type Channel, type NotificationRow, notificationAttempts, notifications } from "../db/schema";
import { DeliveryError } from "./delivery-error";
import { suppress } from "./suppression";

/** Appends one entry to a row's timeline. */
export async function recordAttempt(
  d: Db,
  notificationId: string,
  entry: Omit<typeof notificationAttempts.$inferInsert, "notificationId" | "at">,
) {
  await d.insert(notificationAttempts).values({ notificationId, at: Date.now(), ...entry });
}

/** What one finished attempt of a claimed row wrote to its timeline. */
export interface AttemptOutcome {
  status: typeof notificationAttempts.$inferInsert.status;
  error?: string | null;
  providerMessageId?: string | null;
  httpStatus?: number | null;
}

/**
 * Ends the claim on a row with `status` and records the outcome. `counts` says whether this
 * was a send attempt (it raises the row's attempt count) or a decision not to send.
 */
export async function finishAttempt(
  d: Db,
  claimed: NotificationRow,
  status: NotificationRow["status"],
  entry: AttemptOutcome,
  counts: boolean,
): Promise<NotificationRow> {
  const attempt = claimed.attempts + 1;
  const [row] = await d
    .update(notifications)
    .set({
      status,
      attempts: counts ? attempt : claimed.attempts,
      error: entry.error ?? null,
      providerMessageId: entry.providerMessageId ?? claimed.providerMessageId,
      claimedUntil: null,
      updatedAt: Date.now(),
      ...(status === "sent" ? { sentAt: Date.now() } : {}),
    })
    .where(eq(notifications.id, claimed.id))
    .returning();
  await recordAttempt(d, claimed.id, { attempt: counts ? attempt : 0, ...entry });
  return row ?? claimed;
}

/**
 * Records that the provider confirmed delivery (synchronously for chat posts, later through a
 * status callback). Only a `sent` row moves; anything else is left as it is.
 */
export async function markDelivered(env: Env, id: string, providerMessageId: string | null) {
  const d = db(env.DB);
  const [row] = await d
    .update(notifications)
    .set({ status: "delivered", updatedAt: Date.now() })
    .where(and(eq(notifications.id, id), eq(notifications.status, "sent")))
    .returning();
  if (row) await recordAttempt(d, id, { status: "delivered", attempt: row.attempts, providerMessageId });
  const [current] = row ? [row] : await d.select().from(notifications).where(eq(notifications.id, id)).limit(1);
  if (!current) throw new DeliveryError(`unknown notification ${id}`, false);
  return current;
}

/**
 * A provider reported, after the send, that the message never arrived: the row becomes
 * `failed` (from `sent` or `delivered`), and a dead address is suppressed.
 */
export async function markUndelivered(
  env: Env,
  id: string,
  details: { error: string; providerMessageId: string | null; suppressAs?: "invalid" | "unsubscribe" | null },
) {
  const d = db(env.DB);
  const [row] = await d
    .update(notifications)
    .set({ status: "failed", error: details.error.slice(0, 500), updatedAt: Date.now() })
    .where(and(eq(notifications.id, id), inArray(notifications.status, ["sent", "delivered"])))
    .returning();
  if (!row) return null;
  await recordAttempt(d, id, {
    status: "failed",
    attempt: row.attempts,
    providerMessageId: details.providerMessageId,
    error: details.error.slice(0, 500),
  });
  if (details.suppressAs) {
    await suppress(env, {
      channel: row.channel as Channel,
      address: row.recipient,
      reason: details.suppressAs,
      source: `provider:${row.channel}:callback`,
    });
  }
  return row;
}

/**
 * Every retry of a row's `deliver` message failed: the row becomes `failed` (admins can
 * re-drive it). A row that was sent meanwhile (a late success) stays sent.
 */
export async function markDeadLettered(env: Env, id: string): Promise<void> {
  const d = db(env.DB);
  const [row] = await d
    .update(notifications)
    .set({ status: "failed", error: "gave up after every retry", claimedUntil: null, updatedAt: Date.now() })
    .where(and(eq(notifications.id, id), inArray(notifications.status, ["queued", "sending"])))
    .returning({ id: notifications.id, status: notifications.status });
  if (row)
    await recordAttempt(d, row.id, {
      status: "failed",
      attempt: 0,
      error: "gave up after every retry (dead-lettered)",
    });
}
