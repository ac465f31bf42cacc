/**
 * Delivering a staff reply to the customer (the `notify.reply` consumer's work), on the
 * customer's channels: the `submission.replied` event through the notification engine
 * (preferences, suppression, quotas, the delivery log; email on by default, in the request's
 * mail thread with its signed reply address; other channels a short notice and the link), and
 * the `submission.replied` webhook for API clients. The event's subject names the message, so
 * each reply is its own delivery and a redelivered `notify.reply` sends nothing twice.
 * Internal notes never come here: only `reply` messages are delivered.
 */
import { and, eq } from "drizzle-orm";
import { db } from "../db/client";
import { submissionMessages, submissions } from "../db/schema";
import type { Logger } from "../log";
import { notifyEvent } from "../notifications/deliver";
import { emitWebhookEvent } from "../webhooks/deliver";

/** Delivers reply `messageId` of request `submissionId`; a message that is gone or not a reply is dropped. */
export async function deliverReply(
  env: Env,
  submissionId: string,
  messageId: string,
  correlationId: string,
  log: Logger,
): Promise<void> {
  const d = db(env.DB);
  const [row] = await d
    .select({ message: submissionMessages, userId: submissions.userId })
    .from(submissionMessages)
    .innerJoin(submissions, eq(submissions.id, submissionMessages.submissionId))
    .where(and(eq(submissionMessages.id, messageId), eq(submissionMessages.submissionId, submissionId)))
    .limit(1);
  if (row?.message.kind !== "reply") {
    log.warn("reply to deliver is gone or not a reply; dropped", { messageId });
    return;
  }
  const deliveries = await notifyEvent(env, {
    event: "submission.replied",
    subject: { kind: "submission", submissionId, messageId },
    correlationId,
    log,
  });
  const webhooks = await emitWebhookEvent(env, row.userId, "submission.replied", {
    id: submissionId,
    message: { id: messageId, body: row.message.body, createdAt: new Date(row.message.createdAt).toISOString() },
  });
  log.info("reply delivered", { messageId, deliveries: deliveries.length, webhooks });
}
