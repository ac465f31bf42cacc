/**
 * `/v1/admin/notifications`, HTTP only: every delivery with filters, re-drive of failed ones,
 * the templates (list, edit, preview with sample values) and the suppression list. Admins
 * only (`adminOnly`: 404 to anyone else); the work is the notification service's.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound } from "../../../shared/http/problem";
import { listSuppressions } from "../../../shared/notifications/suppression";
import { TEMPLATE_VARS } from "../../../shared/notifications/templates";
import { checkChannel, checkPlaceholders } from "../../api/notifications/checks";
import {
  AdminLogQuery,
  DeliveryPage,
  Preview,
  PreviewBody,
  RedriveBody,
  Suppression,
  SuppressionBody,
  SuppressionParams,
  Template,
  TemplateBody,
  TemplateParams,
} from "../../api/notifications/schemas";
import {
  deliveryPage,
  liftSuppression,
  previewTemplate,
  redrive,
  saveTemplate,
  suppressAddress,
  templatesInForce,
} from "../../api/notifications/service";
import { authProblems, problem } from "../../api/openapi";
import { validationHook } from "../../api/validation";
import type { AppEnv } from "../../app-env";
import { adminOnly, requireApi } from "../../auth/middleware";

const security = [{ bearerAuth: [] }];

/** `/v1/admin/notifications`: every delivery with filters, re-drive, templates, suppression list. */
export const adminNotificationsRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "Every delivery (admin)",
      description: "Filter by status, channel, event, recipient and creation day; newest first.",
      tags: ["Admin"],
      security,
      middleware: [requireApi("admin:read"), adminOnly] as const,
      request: { query: AdminLogQuery },
      responses: {
        200: { description: "A page.", content: { "application/json": { schema: DeliveryPage } } },
        ...authProblems("admin:read"),
        404: problem("Not an admin."),
        422: problem("A query parameter is invalid."),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await deliveryPage(c.env.DB, q, q.limit, true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/redrive",
      summary: "Re-drive failed deliveries (admin)",
      description: "Puts `failed` deliveries back in the queue; others (sent, suppressed, queued) are left alone.",
      tags: ["Admin"],
      security,
      middleware: [requireApi("submissions:write"), adminOnly] as const,
      request: { body: { required: true, content: { "application/json": { schema: RedriveBody } } } },
      responses: {
        200: {
          description: "The ids queued again.",
          content: { "application/json": { schema: z.object({ redriven: z.array(z.string()) }) } },
        },
        400: problem("Malformed JSON."),
        ...authProblems("submissions:write"),
        404: problem("Not an admin."),
        422: problem("The body is invalid."),
      },
    }),
    async (c) => {
      const redriven = await redrive(c, [...new Set(c.req.valid("json").ids)]);
      return c.json({ redriven }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/templates",
      summary: "Every notification template (admin)",
      tags: ["Admin"],
      security,
      middleware: [requireApi("admin:read"), adminOnly] as const,
      responses: {
        200: {
          description: "Templates in force, per event, channel and locale.",
          content: { "application/json": { schema: z.object({ items: z.array(Template) }) } },
        },
        ...authProblems("admin:read"),
        404: problem("Not an admin."),
      },
    }),
    async (c) => c.json({ items: await templatesInForce(c.env) }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/templates/{event}/{channel}/{locale}",
      summary: "Edit a notification template (admin)",
      description: "Placeholders must be among the event's `variables`. Audited with the text before and after.",
      tags: ["Admin"],
      security,
      middleware: [requireApi("submissions:write"), adminOnly] as const,
      request: {
        params: TemplateParams,
        body: { required: true, content: { "application/json": { schema: TemplateBody } } },
      },
      responses: {
        200: { description: "Saved.", content: { "application/json": { schema: Template } } },
        400: problem("Malformed JSON."),
        ...authProblems("submissions:write"),
        404: problem("Not an admin."),
        422: problem("Unknown placeholder, or a channel the event does not use."),
      },
    }),
    async (c) => {
      const { event, channel, locale } = c.req.valid("param");
      const body = c.req.valid("json");
      checkChannel(event, channel, "/channel");
      checkPlaceholders(event, body);
      const now = await saveTemplate(c, { event, channel, locale }, { subject: body.subject, body: body.body });
      return c.json(
        {
          event,
          channel,
          locale,
          subject: body.subject,
          body: body.body,
          variables: [...TEMPLATE_VARS[event]],
          updatedAt: new Date(now).toISOString(),
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/templates/preview",
      summary: "Preview a template with sample values (admin)",
      description: "Renders the given text (or the template in force) exactly as the channel would send it.",
      tags: ["Admin"],
      security,
      middleware: [requireApi("admin:read"), adminOnly] as const,
      request: { body: { required: true, content: { "application/json": { schema: PreviewBody } } } },
      responses: {
        200: { description: "The rendering.", content: { "application/json": { schema: Preview } } },
        400: problem("Malformed JSON."),
        ...authProblems("admin:read"),
        404: problem("Not an admin."),
        422: problem("The body is invalid."),
      },
    }),
    async (c) => {
      const { event, channel, locale, subject, body } = c.req.valid("json");
      const rendered = await previewTemplate(c.env, { event, channel, locale }, { subject, body });
      return c.json({ subject: rendered.subject, text: rendered.text, html: rendered.html ?? null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/suppressions",
      summary: "The suppression list (admin)",
      tags: ["Admin"],
      security,
      middleware: [requireApi("admin:read"), adminOnly] as const,
      responses: {
        200: {
          description: "Newest 500 entries.",
          content: { "application/json": { schema: z.object({ items: z.array(Suppression) }) } },
        },
        ...authProblems("admin:read"),
        404: problem("Not an admin."),
      },
    }),
    async (c) => {
      const rows = await listSuppressions(c.env, undefined, 500);
      return c.json({ items: rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() })) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/suppressions",
      summary: "Suppress an address (admin)",
      tags: ["Admin"],
      security,
      middleware: [requireApi("submissions:write"), adminOnly] as const,
      request: { body: { required: true, content: { "application/json": { schema: SuppressionBody } } } },
      responses: {
        201: { description: "Added.", content: { "application/json": { schema: z.object({ added: z.boolean() }) } } },
        400: problem("Malformed JSON."),
        ...authProblems("submissions:write"),
        404: problem("Not an admin."),
        422: problem("The body is invalid."),
      },
    }),
    async (c) => c.json({ added: await suppressAddress(c, c.req.valid("json")) }, 201),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/suppressions/{channel}/{address}",
      summary: "Lift a suppression (admin)",
      tags: ["Admin"],
      security,
      middleware: [requireApi("submissions:write"), adminOnly] as const,
      request: { params: SuppressionParams },
      responses: {
        204: { description: "Removed." },
        ...authProblems("submissions:write"),
        404: problem("Not an admin, or the address is not suppressed."),
      },
    }),
    async (c) => {
      const { channel, address } = c.req.valid("param");
      if (!(await liftSuppression(c, channel, address)))
        throw notFound("Suppression", "That address is not suppressed.");
      return c.body(null, 204);
    },
  );
