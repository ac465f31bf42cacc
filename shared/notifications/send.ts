/**
 * Delivering one delivery-log row: claim it, decide whether it may go out (suppression, the
 * recipient's choice, a verified destination, the daily quota), render it, hand it to the
 * channel's adapter, and record the outcome — so that a redelivered message, a re-run step or
 * a concurrent sender never sends it twice.
 */
import { and, eq, lt, or } from "drizzle-orm";
import { db } from "../db/client";
import {
  type Channel,
  type NotificationEvent,
  type NotificationRow,
  notifications,
  type SuppressionReason,
  submissionMessages,
} from "../db/schema";
import type { Logger } from "../log";
import { recordThreadMail } from "../mail/thread";
import { ADAPTERS, ChannelError } from "./channels";
import { DeliveryError } from "./delivery-error";
import { finishAttempt, markDelivered } from "./delivery-log";
import { messageIdOf } from "./notification-id";
import { isEnabled } from "./preferences";
import { renderMessage } from "./render";
import { findSuppression, suppress } from "./suppression";
import { sendRefusal, VERIFICATION_EVENT } from "./verification";

/** How long one sender holds a notification before another may take it over. */
const CLAIM_MS = 60_000;

/** How one delivery ended: sent, finished before, or held back (with the reason in the log). */
export type DeliveryStatus = "sent" | "already-done" | "suppressed" | "skipped";

/**
 * Delivers one delivery-log row, exactly once as far as the platform can tell: the row is
 * claimed with a conditional update, so a redelivered message, a re-run step or a concurrent
 * sender finds it finished or claimed and does not send again. A sender that dies mid-send
 * leaves a claim that expires after `CLAIM_MS`. Suppressed addresses, switched-off channels,
 * unverified destinations and used-up daily quotas end `suppressed` with nothing sent. Throws
 * `DeliveryError` on failure (the row is back to `queued` when a retry can succeed, `failed`
 * when not).
 */
export async function deliverNotification(
  env: Env,
  id: string,
  log: Logger,
): Promise<{ status: DeliveryStatus; notification: NotificationRow }> {
  const d = db(env.DB);
  const now = Date.now();
  const [claimed] = await d
    .update(notifications)
    .set({ status: "sending", claimedUntil: now + CLAIM_MS, updatedAt: now })
    .where(
      and(
        eq(notifications.id, id),
        or(
          eq(notifications.status, "queued"),
          and(eq(notifications.status, "sending"), lt(notifications.claimedUntil, now)),
        ),
      ),
    )
    .returning();
  if (!claimed) {
    const [current] = await d.select().from(notifications).where(eq(notifications.id, id)).limit(1);
    if (!current) throw new DeliveryError(`unknown notification ${id}`, false);
    if (current.status === "sending") throw new DeliveryError("another sender holds this notification", true);
    return { status: "already-done", notification: current };
  }
  const channel = claimed.channel as Channel;
  const event = claimed.event as NotificationEvent;

  const suppressed = await findSuppression(env, channel, claimed.recipient);
  if (suppressed && !overridesSuppression(event, channel, suppressed.reason)) {
    const row = await finishAttempt(
      d,
      claimed,
      "suppressed",
      { status: "suppressed", error: `address suppressed (${suppressed.reason})` },
      false,
    );
    log.info("notification suppressed", { notificationId: id, reason: suppressed.reason });
    return { status: "suppressed", notification: row };
  }
  if (claimed.userId && !(await isEnabled(env, claimed.userId, event, channel))) {
    const row = await finishAttempt(
      d,
      claimed,
      "suppressed",
      { status: "skipped", error: "turned off by the recipient" },
      false,
    );
    return { status: "skipped", notification: row };
  }
  // Unproven destinations and used-up daily quotas: nothing goes out, and the log says why.
  const refusal =
    claimed.event === VERIFICATION_EVENT
      ? "ownership codes are never sent again"
      : await sendRefusal(env, claimed, now);
  if (refusal) {
    const row = await finishAttempt(d, claimed, "suppressed", { status: "skipped", error: refusal }, false);
    log.info("notification skipped", { notificationId: id, channel, reason: refusal });
    return { status: "skipped", notification: row };
  }

  try {
    const message = await renderMessage(env, claimed);
    const result = await ADAPTERS[channel].send(env, { ...message, reference: id });
    let row = await finishAttempt(
      d,
      claimed,
      "sent",
      { status: "sent", providerMessageId: result.providerMessageId },
      true,
    );
    if (result.delivered) row = await markDelivered(env, id, result.providerMessageId);
    if (message.threaded && result.messageId && claimed.submissionId) {
      await joinThread(env, claimed, message.subject, result.messageId, log);
    }
    log.info("notification sent", {
      notificationId: id,
      channel,
      providerMessageId: result.providerMessageId,
      parts: result.parts,
    });
    return { status: "sent", notification: row };
  } catch (cause) {
    const error =
      cause instanceof DeliveryError
        ? cause
        : cause instanceof ChannelError
          ? new DeliveryError(cause.message, cause.retryable, cause, cause.retryAfterSeconds)
          : new DeliveryError("the notification could not be sent", true, cause);
    const text = (cause instanceof Error ? cause.message : String(cause)).slice(0, 500);
    const httpStatus = cause instanceof ChannelError ? cause.httpStatus : null;
    if (error.retryable) {
      await finishAttempt(d, claimed, "queued", { status: "retry", error: text, httpStatus }, true);
    } else {
      await finishAttempt(d, claimed, "failed", { status: "failed", error: text, httpStatus }, true);
      if (cause instanceof ChannelError && cause.suppress) {
        await suppress(env, {
          channel,
          address: claimed.recipient,
          reason: cause.suppress,
          source: `provider:${channel}`,
        });
      }
    }
    log.warn("notification failed", { notificationId: id, channel, retryable: error.retryable, error: cause });
    throw error;
  }
}

/**
 * A mail about a request was sent: it joins the request's mail thread (the next mail answers
 * it), and a staff reply's message row records the Message-ID that carried it out. Never
 * throws: the mail is sent, and a thread not recorded only costs the next mail its threading.
 */
async function joinThread(env: Env, row: NotificationRow, subject: string, messageId: string, log: Logger) {
  try {
    await recordThreadMail(env, row.submissionId ?? "", { messageId, subject });
    const replyId = row.event === "submission.replied" ? messageIdOf(row.id) : null;
    if (replyId) {
      await db(env.DB)
        .update(submissionMessages)
        .set({ emailMessageId: messageId.replace(/^<|>$/g, "") })
        .where(eq(submissionMessages.id, replyId));
    }
  } catch (error) {
    log.warn("could not record the mail in its request's thread", { notificationId: row.id, error });
  }
}

/**
 * Security notices (password changed, new API key) must reach the account's address even when
 * a bounce or complaint put it on the list: those reports come from outside, and a notice held
 * back is exactly what someone taking over the account wants. An admin's manual entry, an
 * unsubscribe or a provider's "invalid" still holds: those are deliberate or authoritative.
 */
function overridesSuppression(event: NotificationEvent, channel: Channel, reason: SuppressionReason): boolean {
  return channel === "email" && event.startsWith("account.") && (reason === "hard_bounce" || reason === "complaint");
}
