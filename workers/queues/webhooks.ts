/**
 * The consumers of `statex-webhooks` and its dead-letter queue: one delivery attempt per
 * message (the delivery itself is `shared/webhooks/deliver.ts`), retried with exponential
 * backoff, and marked failed once every retry is spent.
 */
import { z } from "zod";
import { db } from "../../shared/db/client";
import { createLogger } from "../../shared/log";
import { attemptDelivery, markDeliveryFailed } from "../../shared/webhooks/deliver";

const WebhookMessage = z.object({ kind: z.literal("webhook.deliver"), deliveryId: z.string().min(1) });

/** Backoff between webhook attempts: 30 s, 1 min, 2 min, … capped at 1 hour. */
export const webhookRetryDelaySeconds = (attempts: number) => Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));

/** `statex-webhooks`: one attempt per message; failures go back with exponential backoff. */
export async function consumeWebhooks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = WebhookMessage.safeParse(message.body);
    if (!parsed.success) {
      message.ack();
      continue;
    }
    const log = createLogger({ correlationId: parsed.data.deliveryId, component: "webhooks" });
    try {
      const outcome = await attemptDelivery(env, parsed.data.deliveryId, log);
      if (outcome === "retry") message.retry({ delaySeconds: webhookRetryDelaySeconds(message.attempts) });
      else message.ack();
    } catch (error) {
      log.error("webhook attempt could not run", { error });
      message.retry({ delaySeconds: webhookRetryDelaySeconds(message.attempts) });
    }
  }
}

/** `statex-webhooks-dlq`: every retry failed; the delivery is marked failed (redeliverable by hand). */
export async function consumeDeadWebhooks(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = WebhookMessage.safeParse(message.body);
    if (parsed.success) await markDeliveryFailed(db(env.DB), parsed.data.deliveryId);
    message.ack();
  }
}
