import { eq } from "drizzle-orm";
import { notifications } from "../../shared/db/schema";
import { createLogger } from "../../shared/log";
import { NotificationMessage } from "../../shared/messages";
import { db } from "../api/submissions/repo";
import { DeliveryError, deliverSubmissionEmail, notificationId } from "../notifications/deliver";
import { retryDelaySeconds } from "./jobs";

/** `statex-notifications`: sends each event's email; the delivery log makes redelivery harmless. */
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
      submissionId: n.submissionId,
      component: "notifications",
    });
    try {
      const outcome = await deliverSubmissionEmail(env, { ...n, log });
      log.info("notification handled", { event: n.event, outcome: outcome.status });
      message.ack();
    } catch (error) {
      if (error instanceof DeliveryError && !error.retryable) {
        log.error("notification failed permanently", { event: n.event, error });
        message.ack();
      } else {
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }
  }
}

/** `statex-notifications-dlq`: every retry failed; the delivery log says so. */
export async function consumeDeadNotifications(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = NotificationMessage.safeParse(message.body);
    if (parsed.success) {
      const n = parsed.data;
      await db(env.DB)
        .update(notifications)
        .set({ status: "failed", error: "gave up after every retry", claimedUntil: null, updatedAt: Date.now() })
        .where(eq(notifications.id, notificationId(n.submissionId, n.event, "email")));
      createLogger({ correlationId: n.correlationId }).error("notification dead-lettered", {
        submissionId: n.submissionId,
      });
    }
    message.ack();
  }
}
