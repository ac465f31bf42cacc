/**
 * The notification queues' consumers: thin adapters that parse each message and hand it to
 * the engine in shared/notifications (fan-out, delivery of one row, dead-lettering), then ack
 * or retry it by what the engine says.
 */

import { deliverReply } from "../../shared/desk/deliver";
import { createLogger } from "../../shared/log";
import { NotificationMessage } from "../../shared/messages";
import { DeliveryError, notifyEvent } from "../../shared/notifications/deliver";
import { markDeadLettered } from "../../shared/notifications/delivery-log";
import { deliverNotification } from "../../shared/notifications/send";
import { tellOfCustomerMessage, tellStaff } from "../../shared/notifications/staff";
import { retryDelaySeconds } from "./jobs";

/**
 * `statex-notifications`: `notify`/`notify.account` fan an event out to the recipient's
 * channels (one delivery-log row and one `deliver` message each); `deliver` sends one row;
 * `notify.staff`/`notify.customer` tell staff of a request or a customer's message;
 * `notify.reply` delivers a staff reply to the customer.
 * The delivery log makes redelivery of either harmless. A retryable failure waits the
 * provider's `Retry-After` when it gave one, else exponential backoff (5 s … 5 min).
 */
export async function consumeNotifications(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = NotificationMessage.safeParse(message.body);
    if (!parsed.success) {
      createLogger({ correlationId: message.id }).error("dropping malformed notification message", {
        issues: parsed.error.issues,
      });
      message.ack();
      continue;
    }
    const n = parsed.data;
    const log = createLogger({
      correlationId: n.correlationId,
      ...("submissionId" in n ? { submissionId: n.submissionId } : {}),
      component: "notifications",
    });
    try {
      if (n.kind === "deliver") {
        const outcome = await deliverNotification(env, n.notificationId, log);
        log.info("notification handled", { notificationId: n.notificationId, outcome: outcome.status });
      } else if (n.kind === "notify.staff") {
        await tellStaff(env, n.submissionId, n.correlationId, log);
      } else if (n.kind === "notify.reply") {
        await deliverReply(env, n.submissionId, n.messageId, n.correlationId, log);
      } else if (n.kind === "notify.customer") {
        await tellOfCustomerMessage(env, n.submissionId, n.messageId, n.correlationId, log);
      } else {
        const queued = await notifyEvent(env, {
          event: n.event,
          subject:
            n.kind === "notify"
              ? { kind: "submission", submissionId: n.submissionId }
              : { kind: "account", userId: n.userId, subjectId: n.subjectId },
          correlationId: n.correlationId,
          log,
        });
        log.info("notification fanned out", { event: n.event, deliveries: queued.length });
      }
      message.ack();
    } catch (error) {
      if (error instanceof DeliveryError && !error.retryable) {
        log.error("notification failed permanently", { error });
        message.ack();
      } else {
        const hinted = error instanceof DeliveryError ? error.retryAfterSeconds : null;
        message.retry({ delaySeconds: Math.max(hinted ?? 0, retryDelaySeconds(message.attempts)) });
      }
    }
  }
}

/**
 * `statex-notifications-dlq`: every retry failed. A `deliver` message's row is marked failed
 * (admins can re-drive it); an event that could not even be fanned out is logged.
 */
export async function consumeDeadNotifications(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = NotificationMessage.safeParse(message.body);
    if (parsed.success) {
      const n = parsed.data;
      const log = createLogger({ correlationId: n.correlationId, component: "notifications-dlq" });
      if (n.kind === "deliver") {
        await markDeadLettered(env, n.notificationId);
        log.error("notification dead-lettered", { notificationId: n.notificationId });
      } else {
        log.error("notification event dead-lettered", { kind: n.kind, ...("event" in n ? { event: n.event } : {}) });
      }
    }
    message.ack();
  }
}
