import { and, eq, isNull } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { type Db, db, insertChunks } from "../db/client";
import {
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
  type WebhookEvent,
  webhookAttempts,
  webhookDeliveries,
  webhookEndpoints,
} from "../db/schema";
import { checkOutboundUrl } from "../http/url-policy";
import { ulid } from "../ids";
import type { Logger } from "../log";

/** `statex-webhooks`: deliver one stored delivery. */
export interface WebhookMessage {
  kind: "webhook.deliver";
  deliveryId: string;
}

/** How long a receiver gets to answer. */
const TIMEOUT_MS = 10_000;
/** After a rotation the old secret also signs for this long. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3600_000;

export function newWebhookSecret(): string {
  return `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(24))))}`;
}

/** A user's live webhook endpoints (a query, so it can ride in another D1 batch). */
export const activeEndpoints = (d: Db, userId: string) =>
  d
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.userId, userId), isNull(webhookEndpoints.disabledAt)));

/**
 * Records an event for every live endpoint of `userId` subscribed to it, and queues one
 * delivery each. The payload is fixed at this moment, so retries send the same bytes.
 */
export async function emitWebhookEvent(
  env: Env,
  userId: string | null,
  event: WebhookEvent,
  data: Record<string, unknown>,
  now = Date.now(),
  /** The user's active endpoints, when the caller has read them already (`activeEndpoints`). */
  known?: WebhookEndpointRow[],
): Promise<number> {
  if (!userId) return 0;
  const d = db(env.DB);
  const endpoints = known ?? (await activeEndpoints(d, userId));
  const subscribed = endpoints.filter((e) => e.events.split(" ").includes(event));
  if (subscribed.length === 0) return 0;
  const rows = subscribed.map((e) => {
    const id = `msg_${ulid(now)}`;
    return {
      id,
      endpointId: e.id,
      event,
      payload: JSON.stringify({ type: event, timestamp: new Date(now).toISOString(), data }),
      status: "pending" as const,
      createdAt: now,
    };
  });
  // Twenty endpoints of ten columns are 200 parameters: more than one D1 statement binds.
  const [first, ...rest] = insertChunks(webhookDeliveries, rows).map((chunk) =>
    d.insert(webhookDeliveries).values(chunk),
  );
  if (first) await d.batch([first, ...rest]);
  await env.WEBHOOKS.sendBatch(
    rows.map((r) => ({ body: { kind: "webhook.deliver", deliveryId: r.id } satisfies WebhookMessage })),
  );
  return rows.length;
}

/** Secrets that sign right now: the current one, and the previous one during its grace day. */
function signingSecrets(endpoint: WebhookEndpointRow, now: number): string[] {
  const secrets = [endpoint.secret];
  if (endpoint.previousSecret && (endpoint.previousSecretExpiresAt ?? 0) > now) secrets.push(endpoint.previousSecret);
  return secrets;
}

/** The Standard Webhooks headers for one attempt (several `v1,` signatures during a rotation). */
export function signedHeaders(
  delivery: WebhookDeliveryRow,
  endpoint: WebhookEndpointRow,
  now: Date,
): Record<string, string> {
  const signatures = signingSecrets(endpoint, now.getTime()).map((secret) =>
    new Webhook(secret).sign(delivery.id, now, delivery.payload),
  );
  return {
    "content-type": "application/json",
    "user-agent": "StateX-Webhooks/1",
    "webhook-id": delivery.id,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}

export type AttemptOutcome = "succeeded" | "retry" | "gone";

/**
 * One delivery attempt: POSTs the signed payload, logs the attempt, and says what next. 2xx is
 * success; 410 Gone disables the endpoint (the receiver asked us to stop); an endpoint whose
 * URL the host policy refuses is disabled without a request; anything else, including a
 * timeout, is retried by the queue.
 */
export async function attemptDelivery(env: Env, deliveryId: string, log: Logger): Promise<AttemptOutcome> {
  const d = db(env.DB);
  const [row] = await d
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(eq(webhookDeliveries.id, deliveryId))
    .limit(1);
  if (!row || row.delivery.status === "succeeded" || row.endpoint.disabledAt) return "gone";
  const { delivery, endpoint } = row;
  const attempt = delivery.attempts + 1;
  const started = Date.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  // Checked again at every send, not only when saved: endpoints stored before the policy was
  // tightened (or a policy change since) must not be fetched.
  const target = checkOutboundUrl(endpoint.url, { allowLoopback: env.ENVIRONMENT === "development" });
  if (!target.ok) {
    error = `refused: url ${target.reason}`;
    await d.batch([
      d.insert(webhookAttempts).values({ deliveryId, attempt, statusCode: null, error, durationMs: 0, at: started }),
      d
        .update(webhookDeliveries)
        .set({ attempts: attempt, lastStatusCode: null, lastError: error, status: "failed" })
        .where(eq(webhookDeliveries.id, deliveryId)),
      d.update(webhookEndpoints).set({ disabledAt: started }).where(eq(webhookEndpoints.id, endpoint.id)),
    ]);
    log.warn("webhook endpoint refused by the URL policy; disabled", { deliveryId, endpointId: endpoint.id });
    return "gone";
  }
  try {
    const res = await fetch(target.url, {
      method: "POST",
      headers: signedHeaders(delivery, endpoint, new Date()),
      body: delivery.payload,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    statusCode = res.status;
    await res.body?.cancel();
    if (!res.ok) error = `HTTP ${res.status}`;
  } catch (cause) {
    error =
      cause instanceof Error && cause.name === "TimeoutError"
        ? `no answer within ${TIMEOUT_MS} ms`
        : "connection failed";
  }
  const now = Date.now();
  const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
  await d.batch([
    d.insert(webhookAttempts).values({ deliveryId, attempt, statusCode, error, durationMs: now - started, at: now }),
    d
      .update(webhookDeliveries)
      .set({
        attempts: attempt,
        lastStatusCode: statusCode,
        lastError: error,
        status: ok ? "succeeded" : statusCode === 410 ? "failed" : "pending",
        deliveredAt: ok ? now : null,
      })
      .where(eq(webhookDeliveries.id, deliveryId)),
    ...(statusCode === 410
      ? [d.update(webhookEndpoints).set({ disabledAt: now }).where(eq(webhookEndpoints.id, endpoint.id))]
      : []),
  ]);
  log.info("webhook attempt", { deliveryId, endpointId: endpoint.id, attempt, statusCode, error });
  if (ok) return "succeeded";
  return statusCode === 410 ? "gone" : "retry";
}

export async function markDeliveryFailed(d: Db, deliveryId: string): Promise<void> {
  await d
    .update(webhookDeliveries)
    .set({ status: "failed" })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending")));
}

/** A fresh secret; the old one keeps signing for a day. */
export async function rotateSecret(d: Db, endpoint: WebhookEndpointRow, now = Date.now()): Promise<string> {
  const secret = newWebhookSecret();
  await d
    .update(webhookEndpoints)
    .set({ secret, previousSecret: endpoint.secret, previousSecretExpiresAt: now + PREVIOUS_SECRET_GRACE_MS })
    .where(eq(webhookEndpoints.id, endpoint.id));
  return secret;
}

/** Endpoint ids are opaque: `whe_` + ULID. */
export const newEndpointId = () => `whe_${ulid()}`;
