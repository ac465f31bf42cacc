import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq } from "drizzle-orm";
import { db } from "../../../shared/db/client";
import {
  type WebhookEndpointRow,
  type WebhookEvent,
  webhookDeliveries,
  webhookEndpoints,
} from "../../../shared/db/schema";
import { HttpProblem, notFound } from "../../../shared/http/problem";
import { newEndpointId, newWebhookSecret, rotateSecret, type WebhookMessage } from "../../../shared/webhooks/deliver";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { requireApi } from "../../auth/middleware";
import { authProblems, problem } from "../openapi";
import { validationHook } from "../validation";
import {
  CreateEndpointBody,
  Delivery,
  DeliveryParams,
  Endpoint,
  EndpointIdParam,
  EndpointWithSecret,
  webhookUrlProblem,
} from "./schemas";

const security = [{ bearerAuth: [] }];
const MAX_ENDPOINTS = 20;

const view = (e: WebhookEndpointRow) => ({
  id: e.id,
  url: e.url,
  events: e.events.split(" ") as WebhookEvent[],
  description: e.description,
  createdAt: new Date(e.createdAt).toISOString(),
  disabled: e.disabledAt !== null,
});

async function ownEndpoint(env: Env, userId: string, id: string): Promise<WebhookEndpointRow> {
  const [row] = await db(env.DB)
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)))
    .limit(1);
  if (!row)
    throw notFound("Webhook endpoint", `You have no webhook endpoint with id ${JSON.stringify(id.slice(0, 80))}.`);
  return row;
}

const write = requireApi("submissions:write");
const read = requireApi("submissions:read");

/** `/v1/webhooks`: endpoints, secret rotation, the delivery log and redelivery. */
export const webhooksRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      summary: "Add a webhook endpoint",
      description: "Events are POSTed as JSON, signed per Standard Webhooks with the returned `whsec_` secret.",
      tags: ["Webhooks"],
      security,
      middleware: [write] as const,
      request: { body: { required: true, content: { "application/json": { schema: CreateEndpointBody } } } },
      responses: {
        201: { description: "Created.", content: { "application/json": { schema: EndpointWithSecret } } },
        400: problem("Malformed JSON."),
        ...authProblems("submissions:write"),
        409: problem("Too many endpoints."),
        422: problem("A field is invalid."),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const urlProblem = webhookUrlProblem(body.url, c.env.ENVIRONMENT === "development");
      if (urlProblem) {
        throw new HttpProblem(422, "validation", "Validation Failed", `/url: ${urlProblem}`, {
          errors: [{ pointer: "/url", detail: urlProblem }],
        });
      }
      const d = db(c.env.DB);
      const user = c.get("user");
      const existing = await d
        .select({ id: webhookEndpoints.id })
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.userId, user.id));
      if (existing.length >= MAX_ENDPOINTS) {
        throw new HttpProblem(
          409,
          "conflict",
          "Conflict",
          `An account may have at most ${MAX_ENDPOINTS} webhook endpoints.`,
        );
      }
      const [row] = await d
        .insert(webhookEndpoints)
        .values({
          id: newEndpointId(),
          userId: user.id,
          url: body.url,
          description: body.description,
          events: [...new Set(body.events)].join(" "),
          secret: newWebhookSecret(),
          createdAt: Date.now(),
        })
        .returning();
      if (!row) throw new Error("insert returned nothing");
      await audit(c, {
        action: "webhook.created",
        targetType: "webhook_endpoint",
        targetId: row.id,
        after: { url: row.url, events: row.events },
      });
      return c.json({ ...view(row), secret: row.secret }, 201, { Location: `/v1/webhooks/${row.id}` });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "List your webhook endpoints",
      tags: ["Webhooks"],
      security,
      middleware: [read] as const,
      responses: {
        200: {
          description: "Endpoints.",
          content: { "application/json": { schema: z.object({ items: z.array(Endpoint) }) } },
        },
        ...authProblems("submissions:read"),
      },
    }),
    async (c) => {
      const rows = await db(c.env.DB)
        .select()
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.userId, c.get("user").id))
        .orderBy(desc(webhookEndpoints.createdAt));
      return c.json({ items: rows.map(view) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      summary: "Delete a webhook endpoint",
      tags: ["Webhooks"],
      security,
      middleware: [write] as const,
      request: { params: EndpointIdParam },
      responses: {
        204: { description: "Deleted, with its delivery log." },
        ...authProblems("submissions:write"),
        404: problem("No such endpoint of yours."),
      },
    }),
    async (c) => {
      const endpoint = await ownEndpoint(c.env, c.get("user").id, c.req.valid("param").id);
      await db(c.env.DB).delete(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id));
      await audit(c, { action: "webhook.deleted", targetType: "webhook_endpoint", targetId: endpoint.id });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/rotate-secret",
      summary: "Rotate an endpoint's signing secret",
      description: "Returns a new secret. For 24 hours deliveries carry signatures by both the new and the old secret.",
      tags: ["Webhooks"],
      security,
      middleware: [write] as const,
      request: { params: EndpointIdParam },
      responses: {
        200: { description: "The new secret.", content: { "application/json": { schema: EndpointWithSecret } } },
        ...authProblems("submissions:write"),
        404: problem("No such endpoint of yours."),
      },
    }),
    async (c) => {
      const endpoint = await ownEndpoint(c.env, c.get("user").id, c.req.valid("param").id);
      const secret = await rotateSecret(db(c.env.DB), endpoint);
      await audit(c, { action: "webhook.secret_rotated", targetType: "webhook_endpoint", targetId: endpoint.id });
      return c.json({ ...view(endpoint), secret }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/deliveries",
      summary: "List an endpoint's deliveries",
      description: "Newest first, the last 100, with attempts and the last answer.",
      tags: ["Webhooks"],
      security,
      middleware: [read] as const,
      request: { params: EndpointIdParam },
      responses: {
        200: {
          description: "Deliveries.",
          content: { "application/json": { schema: z.object({ items: z.array(Delivery) }) } },
        },
        ...authProblems("submissions:read"),
        404: problem("No such endpoint of yours."),
      },
    }),
    async (c) => {
      const endpoint = await ownEndpoint(c.env, c.get("user").id, c.req.valid("param").id);
      const rows = await db(c.env.DB)
        .select()
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.endpointId, endpoint.id))
        .orderBy(desc(webhookDeliveries.createdAt))
        .limit(100);
      return c.json(
        {
          items: rows.map((r) => ({
            id: r.id,
            event: r.event as WebhookEvent,
            status: r.status,
            attempts: r.attempts,
            lastStatusCode: r.lastStatusCode,
            lastError: r.lastError,
            createdAt: new Date(r.createdAt).toISOString(),
            deliveredAt: r.deliveredAt === null ? null : new Date(r.deliveredAt).toISOString(),
            payload: r.payload,
          })),
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/deliveries/{deliveryId}/redeliver",
      summary: "Send a delivery again",
      description: "Queues the same payload (same `webhook-id`) once more, whatever its status.",
      tags: ["Webhooks"],
      security,
      middleware: [write] as const,
      request: { params: DeliveryParams },
      responses: {
        202: { description: "Queued." },
        ...authProblems("submissions:write"),
        404: problem("No such endpoint or delivery of yours."),
      },
    }),
    async (c) => {
      const { id, deliveryId } = c.req.valid("param");
      const endpoint = await ownEndpoint(c.env, c.get("user").id, id);
      const d = db(c.env.DB);
      const [delivery] = await d
        .update(webhookDeliveries)
        .set({ status: "pending" })
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpoint.id)))
        .returning({ id: webhookDeliveries.id });
      if (!delivery) throw notFound("Delivery", "This endpoint has no delivery with that id.");
      await c.env.WEBHOOKS.send({ kind: "webhook.deliver", deliveryId: delivery.id } satisfies WebhookMessage);
      return c.body(null, 202);
    },
  );
