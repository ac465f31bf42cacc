import { z } from "@hono/zod-openapi";
import { WEBHOOK_EVENTS } from "../../../shared/db/schema";
import { outboundUrlProblem } from "../../../shared/http/url-policy";

/**
 * Where webhooks may go: https on port 443 to a public host (shared/http/url-policy.ts). In
 * development, http and loopback hosts on any port are allowed too, so a receiver on the same
 * machine can be used; every other private or special-purpose host stays refused.
 */
export function webhookUrlProblem(url: string, allowLoopback: boolean): string | null {
  return outboundUrlProblem(url, { allowLoopback });
}

export const CreateEndpointBody = z
  .object({
    url: z.string({ error: "url must be a string" }).max(2000).openapi({
      description:
        "The receiver: https on port 443 to a public host (no IP literal in a private or special-purpose range, no reserved or wildcard-DNS name).",
      example: "https://example.com/hooks/statex",
    }),
    events: z
      .array(z.enum(WEBHOOK_EVENTS, { error: `events must be among ${WEBHOOK_EVENTS.join(", ")}` }))
      .min(1, { error: "events must name at least one event" })
      .default([...WEBHOOK_EVENTS])
      .openapi({ description: "Events to receive (default: all)." }),
    description: z.string().max(200).default("").openapi({ description: "A note for you." }),
  })
  .strict()
  .openapi("CreateWebhookEndpoint");

export const Endpoint = z
  .object({
    id: z.string().openapi({ example: "whe_01JF0000000000000000000000" }),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    description: z.string(),
    createdAt: z.iso.datetime(),
    disabled: z.boolean().openapi({ description: "True after the receiver answered 410 Gone." }),
  })
  .openapi("WebhookEndpoint");

export const EndpointWithSecret = Endpoint.extend({
  secret: z.string().openapi({
    description: "`whsec_…` signing secret (Standard Webhooks). Shown on creation and rotation only.",
  }),
}).openapi("WebhookEndpointWithSecret");

export const Delivery = z
  .object({
    id: z.string().openapi({ description: "The `webhook-id` header of every attempt." }),
    event: z.enum(WEBHOOK_EVENTS),
    status: z.enum(["pending", "succeeded", "failed"]),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.iso.datetime(),
    deliveredAt: z.iso.datetime().nullable(),
    payload: z.string().openapi({ description: "The exact JSON body that is signed and sent." }),
  })
  .openapi("WebhookDelivery");

export const EndpointIdParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, description: "Endpoint id." }),
});

export const DeliveryParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, description: "Endpoint id." }),
  deliveryId: z.string().openapi({ param: { name: "deliveryId", in: "path" }, description: "Delivery id." }),
});
