import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { db } from "../../../shared/db/client";
import {
  CHANNELS,
  LOCALES,
  NOTIFICATION_EVENTS,
  type NotificationEvent,
  notificationTemplates,
} from "../../../shared/db/schema";
import { HttpProblem, notFound } from "../../../shared/http/problem";
import { ADAPTERS } from "../../../shared/notifications/channels";
import { verifyTwilioSignature } from "../../../shared/notifications/channels/sms-twilio";
import {
  verifyWhatsAppSignature,
  verifyWhatsAppToken,
  whatsappStatuses,
} from "../../../shared/notifications/channels/whatsapp";
import { markDelivered, markUndelivered, redriveFailed } from "../../../shared/notifications/deliver";
import {
  channelsFor,
  checkDestination,
  destinationsOf,
  preferencesOf,
  saveDestination,
  setDestination,
  setPreferences,
} from "../../../shared/notifications/preferences";
import { quotasOf } from "../../../shared/notifications/quota";
import { listSuppressions, suppress, unsuppress } from "../../../shared/notifications/suppression";
import {
  defaultTemplate,
  renderFor,
  TEMPLATE_VARS,
  toLocale,
  unknownPlaceholders,
} from "../../../shared/notifications/templates";
import { confirmCode, sendVerificationCode } from "../../../shared/notifications/verification";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { adminOnly, requireApi } from "../../auth/middleware";
import { authProblems, problem } from "../openapi";
import { validationHook } from "../validation";
import { deliveryByProviderId, ownDelivery, searchLog, timelines, toDeliveryView } from "./repo";
import {
  AdminLogQuery,
  CodeBody,
  Delivery,
  DeliveryPage,
  DestinationBody,
  DestinationParams,
  DestinationState,
  IdParam,
  LogQuery,
  Preferences,
  PreferencesBody,
  Preview,
  PreviewBody,
  RedriveBody,
  Suppression,
  SuppressionBody,
  SuppressionParams,
  Template,
  TemplateBody,
  TemplateParams,
  VerifiableParams,
} from "./schemas";

const security = [{ bearerAuth: [] }];
const read = requireApi("submissions:read");
const write = requireApi("submissions:write");

const unprocessable = (pointer: string, detail: string) =>
  new HttpProblem(422, "validation", "Validation Failed", `${pointer}: ${detail}`, { errors: [{ pointer, detail }] });

/** The preferences document of a user (shared by the API and the portal). */
export async function preferencesView(env: Env, user: { id: string; locale: string }) {
  const matrix = await preferencesOf(env, user.id);
  return {
    preferences: NOTIFICATION_EVENTS.flatMap((event) =>
      channelsFor(event).map((channel) => ({ event, channel, enabled: matrix[event][channel] === true })),
    ),
    destinations: (await destinationsOf(env, user.id)).map((d) => ({
      channel: d.channel,
      address: d.address,
      verified: d.verifiedAt !== null,
    })),
    quotas: await quotasOf(env, user.id),
    channels: CHANNELS.map((channel) => ({ channel, available: ADAPTERS[channel].configProblem(env) === null })),
    locale: toLocale(user.locale),
  };
}

/** `/v1/notifications`: your delivery log, channel preferences and destinations. */
export const notificationsRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "Your delivery log",
      description: "Every notification sent (or not) to you, newest first, with its status timeline.",
      tags: ["Notifications"],
      security,
      middleware: [read] as const,
      request: { query: LogQuery },
      responses: {
        200: { description: "A page.", content: { "application/json": { schema: DeliveryPage } } },
        ...authProblems("submissions:read"),
        422: problem("A query parameter is invalid."),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const rows = await searchLog(c.env.DB, { ...q, userId: c.get("user").id }, q.limit + 1);
      const page = rows.slice(0, q.limit);
      const lines = await timelines(
        c.env.DB,
        page.map((r) => r.n.id),
      );
      return c.json(
        {
          items: page.map((r) => toDeliveryView(r.n, lines.get(r.n.id))),
          nextBefore: rows.length > q.limit ? (page.at(-1)?.n.createdAt ?? null) : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/preferences",
      summary: "Your notification preferences",
      description:
        "Which events reach you on which channel (defaults filled in: email on for completed, failed, cancelled, needs-review and account notices), where each channel reaches you, and which channels this deployment offers.",
      tags: ["Notifications"],
      security,
      middleware: [read] as const,
      responses: {
        200: { description: "Preferences.", content: { "application/json": { schema: Preferences } } },
        ...authProblems("submissions:read"),
      },
    }),
    async (c) => c.json(await preferencesView(c.env, c.get("user")), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/preferences",
      summary: "Change notification preferences",
      description: "Switches the listed (event, channel) cells; the others keep their value.",
      tags: ["Notifications"],
      security,
      middleware: [write] as const,
      request: { body: { required: true, content: { "application/json": { schema: PreferencesBody } } } },
      responses: {
        200: { description: "The preferences now.", content: { "application/json": { schema: Preferences } } },
        400: problem("Malformed JSON."),
        ...authProblems("submissions:write"),
        422: problem("An event, channel or combination is invalid (the digest is email only)."),
      },
    }),
    async (c) => {
      const { preferences } = c.req.valid("json");
      preferences.forEach((p, i) => {
        if (!channelsFor(p.event).includes(p.channel))
          throw unprocessable(`/preferences/${i}/channel`, `${p.event} is sent by email only`);
      });
      const user = c.get("user");
      const before = await preferencesOf(c.env, user.id);
      await setPreferences(c.env, user.id, preferences);
      await audit(c, {
        action: "notification.preferences_changed",
        targetType: "user",
        targetId: user.id,
        before: preferences.map((p) => ({ ...p, enabled: before[p.event][p.channel] === true })),
        after: preferences,
      });
      return c.json(await preferencesView(c.env, user), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/destinations/{channel}",
      summary: "Set where a channel reaches you",
      description:
        "An E.164 number for `sms`/`whatsapp`, a chat id for `telegram`, an incoming webhook URL on Slack's or Discord's own host for `slack`/`discord`. A new SMS, WhatsApp or Telegram address is saved unverified and sent a 6-digit code (valid 10 minutes, 5 tries); it receives nothing else until the code is given to `POST /destinations/{channel}/verify`.",
      tags: ["Notifications"],
      security,
      middleware: [write] as const,
      request: {
        params: DestinationParams,
        body: { required: true, content: { "application/json": { schema: DestinationBody } } },
      },
      responses: {
        200: { description: "Saved.", content: { "application/json": { schema: DestinationState } } },
        400: problem("Malformed JSON."),
        ...authProblems("submissions:write"),
        422: problem("The address is not valid for the channel."),
        429: problem(
          "No code can be sent now (resend throttle, codes per address or per day, daily quota); nothing was saved.",
        ),
        502: problem("Saved, but the provider refused the code; ask for another."),
      },
    }),
    async (c) => {
      const { channel } = c.req.valid("param");
      const checked = checkDestination(channel, c.req.valid("json").address);
      if (!checked.ok) throw unprocessable("/address", checked.reason);
      const user = c.get("user");
      const saved = await saveDestination(
        c.env,
        { userId: user.id, channel, address: checked.address, log: c.get("log") },
        (entry) => audit(c, entry),
      );
      const { verified } = saved;
      const codeExpiresAt = saved.codeExpiresAt === null ? null : new Date(saved.codeExpiresAt).toISOString();
      return c.json({ channel, address: checked.address, verified, codeExpiresAt }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/destinations/{channel}/code",
      summary: "Send a new ownership code",
      description:
        "Sends a fresh code to the unverified destination (the previous one stops working). At most one a minute, 5 unconfirmed codes per address in 24 hours, 10 a day per user, and each counts against the channel's daily quota.",
      tags: ["Notifications"],
      security,
      middleware: [write] as const,
      request: { params: VerifiableParams },
      responses: {
        202: { description: "Sent.", content: { "application/json": { schema: DestinationState } } },
        ...authProblems("submissions:write"),
        404: problem("No destination is set on this channel."),
        409: problem("The destination is verified already."),
        429: problem("No code can be sent now; `Retry-After` says when."),
        502: problem("The provider refused the code."),
      },
    }),
    async (c) => {
      const { channel } = c.req.valid("param");
      const user = c.get("user");
      const current = (await destinationsOf(c.env, user.id)).find((d) => d.channel === channel);
      if (!current) throw notFound("Destination", `No ${channel} destination is set.`);
      if (current.verifiedAt !== null) {
        throw new HttpProblem(409, "conflict", "Conflict", `Your ${channel} destination is verified already.`);
      }
      const sent = await sendVerificationCode(c.env, user.id, channel, current.address, c.get("log"));
      return c.json(
        {
          channel,
          address: current.address,
          verified: false,
          codeExpiresAt: new Date(sent.expiresAt).toISOString(),
        },
        202,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/destinations/{channel}/verify",
      summary: "Prove a destination is yours",
      description: "Give the 6-digit code sent to the destination. 5 wrong tries use the code up.",
      tags: ["Notifications"],
      security,
      middleware: [write] as const,
      request: {
        params: VerifiableParams,
        body: { required: true, content: { "application/json": { schema: CodeBody } } },
      },
      responses: {
        200: { description: "Verified.", content: { "application/json": { schema: DestinationState } } },
        400: problem("Malformed JSON."),
        ...authProblems("submissions:write"),
        422: problem("Wrong, expired or no pending code."),
        429: problem("Too many wrong codes; ask for a new one."),
      },
    }),
    async (c) => {
      const { channel } = c.req.valid("param");
      const user = c.get("user");
      const { address } = await confirmCode(c.env, user.id, channel, c.req.valid("json").code);
      await audit(c, {
        action: "notification.destination_verified",
        targetType: "user",
        targetId: user.id,
        after: { channel, address },
      });
      return c.json({ channel, address, verified: true, codeExpiresAt: null }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/destinations/{channel}",
      summary: "Remove a channel's destination",
      tags: ["Notifications"],
      security,
      middleware: [write] as const,
      request: { params: DestinationParams },
      responses: { 204: { description: "Removed (or there was none)." }, ...authProblems("submissions:write") },
    }),
    async (c) => {
      const { channel } = c.req.valid("param");
      const user = c.get("user");
      await setDestination(c.env, user.id, channel, null);
      await audit(c, {
        action: "notification.destination_removed",
        targetType: "user",
        targetId: user.id,
        after: { channel },
      });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/callbacks/twilio",
      summary: "Twilio delivery status callback",
      description:
        "Called by Twilio (the `StatusCallback` of each SMS), signed with `X-Twilio-Signature`: `delivered` marks the delivery delivered; `undelivered`/`failed` mark it failed, and suppress numbers Twilio calls unreachable, unknown or landline (30003, 30005, 30006) or opted out (21610, 30004).",
      tags: ["Notifications"],
      request: {
        query: z.object({ id: z.string().min(1).max(300).openapi({ description: "Our delivery id." }) }),
        body: {
          required: true,
          content: {
            "application/x-www-form-urlencoded": {
              schema: z
                .object({
                  MessageSid: z.string().min(1),
                  MessageStatus: z.string().min(1),
                  ErrorCode: z.string().optional(),
                })
                .passthrough(),
            },
          },
        },
      },
      responses: {
        204: { description: "Recorded (or nothing to record)." },
        403: problem("The signature does not match."),
        422: problem("The form is invalid."),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("query");
      const form = c.req.valid("form");
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(await c.req.parseBody())) if (typeof v === "string") params[k] = v;
      const url = `${c.env.PUBLIC_BASE_URL.replace(/\/+$/, "")}${c.req.path}?id=${encodeURIComponent(id)}`;
      if (!(await verifyTwilioSignature(c.env, url, params, c.req.header("x-twilio-signature") ?? ""))) {
        throw new HttpProblem(403, "forbidden", "Forbidden", "The Twilio signature does not match.");
      }
      const row = await ownDelivery(c.env.DB, null, id);
      // A callback for another message (or a row since deleted) changes nothing.
      if (row?.channel !== "sms" || row.providerMessageId !== form.MessageSid) return c.body(null, 204);
      if (form.MessageStatus === "delivered") {
        await markDelivered(c.env, id, form.MessageSid);
      } else if (form.MessageStatus === "undelivered" || form.MessageStatus === "failed") {
        const code = Number(form.ErrorCode ?? "0");
        await markUndelivered(c.env, id, {
          error: `Twilio reported ${form.MessageStatus}${code ? ` (error ${code})` : ""}`,
          providerMessageId: form.MessageSid,
          suppressAs: [30003, 30005, 30006].includes(code)
            ? "invalid"
            : [21610, 30004].includes(code)
              ? "unsubscribe"
              : null,
        });
      }
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/callbacks/whatsapp",
      summary: "WhatsApp webhook subscription check",
      description:
        "Meta's verification handshake: echoes `hub.challenge` when `hub.verify_token` is `WHATSAPP_VERIFY_TOKEN`.",
      tags: ["Notifications"],
      request: {
        query: z.object({
          "hub.mode": z.string().optional(),
          "hub.verify_token": z.string().optional(),
          "hub.challenge": z.string().max(200).optional(),
        }),
      },
      responses: {
        200: { description: "The challenge.", content: { "text/plain": { schema: z.string() } } },
        403: problem("Wrong or unset verify token."),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      if (q["hub.mode"] !== "subscribe" || !(await verifyWhatsAppToken(c.env, q["hub.verify_token"] ?? ""))) {
        throw new HttpProblem(403, "forbidden", "Forbidden", "The verify token does not match.");
      }
      return c.text(q["hub.challenge"] ?? "", 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/callbacks/whatsapp",
      summary: "WhatsApp message status webhook",
      description:
        "Called by Meta with message statuses (`entry[].changes[].value.statuses[]`), signed with `X-Hub-Signature-256` under `WHATSAPP_APP_SECRET`: `delivered`/`read` mark the delivery delivered; `failed` marks it failed and suppresses a number that is not on WhatsApp (131026).",
      tags: ["Notifications"],
      responses: {
        200: { description: "Recorded (unknown messages are ignored)." },
        403: problem("The signature does not match."),
      },
    }),
    async (c) => {
      const raw = await c.req.text();
      if (!(await verifyWhatsAppSignature(c.env, raw, c.req.header("x-hub-signature-256") ?? ""))) {
        throw new HttpProblem(403, "forbidden", "Forbidden", "The WhatsApp signature does not match.");
      }
      let payload: unknown = null;
      try {
        payload = JSON.parse(raw);
      } catch {
        // A signed body that is not JSON carries nothing to record.
      }
      for (const st of whatsappStatuses(payload)) {
        const row = await deliveryByProviderId(c.env.DB, "whatsapp", st.id);
        if (!row) continue;
        if (st.status === "delivered" || st.status === "read") {
          await markDelivered(c.env, row.id, st.id);
        } else if (st.status === "failed") {
          await markUndelivered(c.env, row.id, {
            error: `WhatsApp reported failed${st.errorCode ? ` (error ${st.errorCode})` : ""}`,
            providerMessageId: st.id,
            suppressAs: st.errorCode === 131026 ? "invalid" : null,
          });
        }
      }
      return c.body(null, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      summary: "One delivery with its timeline",
      tags: ["Notifications"],
      security,
      middleware: [read] as const,
      request: { params: IdParam },
      responses: {
        200: { description: "The delivery.", content: { "application/json": { schema: Delivery } } },
        ...authProblems("submissions:read"),
        404: problem("No such delivery of yours."),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await ownDelivery(c.env.DB, c.get("user").id, id);
      if (!row) throw notFound("Notification", `You have no notification with id ${JSON.stringify(id.slice(0, 80))}.`);
      const lines = await timelines(c.env.DB, [row.id]);
      return c.json(toDeliveryView(row, lines.get(row.id)), 200);
    },
  );

/** Sample values for template previews: every placeholder, with markup that must come out escaped. */
export const SAMPLE_VARS: Record<string, string> = {
  name: "Ada <Lovelace>",
  id: "sub_01JD6Z7Q4YVQ2B3K9M5N8P0R1S",
  link: "https://statex.example/app/requests/sub_01JD6Z7Q4YVQ2B3K9M5N8P0R1S",
  requestId: "req-7f3a",
  summary: "Deliveries were late twice; the supplier proposes *weekly* checks & a <penalty> clause.",
  result: "## Summary\n\nDeliveries were late twice.\n\n- Weekly checks\n- A penalty clause",
  reason: "The AI service is temporarily unavailable (HTTP 503).",
  time: "2026-11-25 18:00 UTC",
  keyName: "CI deploy",
  date: "2026-11-24",
  count: "2",
  items: "- sub_01…: Supplier review\n- sub_02…: Q3 plan",
};

async function templateRow(
  env: Env,
  event: NotificationEvent,
  channel: (typeof CHANNELS)[number],
  locale: "en" | "cs",
) {
  const [row] = await db(env.DB)
    .select()
    .from(notificationTemplates)
    .where(
      and(
        eq(notificationTemplates.event, event),
        eq(notificationTemplates.channel, channel),
        eq(notificationTemplates.locale, locale),
      ),
    )
    .limit(1);
  return row ?? null;
}

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
      const rows = await searchLog(c.env.DB, q, q.limit + 1);
      const page = rows.slice(0, q.limit);
      const lines = await timelines(
        c.env.DB,
        page.map((r) => r.n.id),
      );
      return c.json(
        {
          items: page.map((r) => ({ ...toDeliveryView(r.n, lines.get(r.n.id), false), userEmail: r.userEmail })),
          nextBefore: rows.length > q.limit ? (page.at(-1)?.n.createdAt ?? null) : null,
        },
        200,
      );
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
      const { ids } = c.req.valid("json");
      const redriven = await redriveFailed(c.env, [...new Set(ids)], `admin:${c.get("user").id}`);
      await audit(c, {
        action: "notification.redriven",
        targetType: "notification",
        targetId: redriven.length === 1 ? (redriven[0] ?? null) : null,
        before: { status: "failed", ids: redriven },
        after: { status: "queued", ids: redriven },
      });
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
    async (c) => {
      const rows = await db(c.env.DB).select().from(notificationTemplates);
      const items = NOTIFICATION_EVENTS.flatMap((event) =>
        channelsFor(event).flatMap((channel) =>
          LOCALES.map((locale) => {
            const row = rows.find((r) => r.event === event && r.channel === channel && r.locale === locale);
            const t = row ?? defaultTemplate(event, channel, locale);
            return {
              event,
              channel,
              locale,
              subject: t.subject,
              body: t.body,
              variables: [...TEMPLATE_VARS[event]],
              updatedAt: row?.updatedAt ? new Date(row.updatedAt).toISOString() : null,
            };
          }),
        ),
      );
      return c.json({ items }, 200);
    },
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
      if (!channelsFor(event).includes(channel)) throw unprocessable("/channel", `${event} is sent by email only`);
      for (const [field, text] of [
        ["subject", body.subject],
        ["body", body.body],
      ] as const) {
        const unknown = unknownPlaceholders(event, text);
        if (unknown.length) {
          throw unprocessable(
            `/${field}`,
            `unknown placeholder ${unknown.map((u) => `{{${u}}}`).join(", ")}; ${event} offers ${TEMPLATE_VARS[event].join(", ")}`,
          );
        }
      }
      const before = (await templateRow(c.env, event, channel, locale)) ?? defaultTemplate(event, channel, locale);
      const now = Date.now();
      const user = c.get("user");
      await db(c.env.DB)
        .insert(notificationTemplates)
        .values({ event, channel, locale, subject: body.subject, body: body.body, updatedAt: now, updatedBy: user.id })
        .onConflictDoUpdate({
          target: [notificationTemplates.event, notificationTemplates.channel, notificationTemplates.locale],
          set: { subject: body.subject, body: body.body, updatedAt: now, updatedBy: user.id },
        });
      await audit(c, {
        action: "notification.template_updated",
        targetType: "notification_template",
        targetId: `${event}/${channel}/${locale}`,
        before: { subject: before.subject, body: before.body },
        after: { subject: body.subject, body: body.body },
      });
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
      const p = c.req.valid("json");
      const current =
        (await templateRow(c.env, p.event, p.channel, p.locale)) ?? defaultTemplate(p.event, p.channel, p.locale);
      const rendered = renderFor(
        p.channel,
        { subject: p.subject ?? current.subject, body: p.body ?? current.body },
        SAMPLE_VARS,
        { locale: p.locale, unsubscribeUrl: "https://statex.example/u/unsubscribe/sample" },
      );
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
    async (c) => {
      const b = c.req.valid("json");
      const added = await suppress(c.env, { ...b, source: `admin:${c.get("user").id}` });
      await audit(c, {
        action: "notification.suppressed",
        targetType: "suppression",
        targetId: `${b.channel}:${b.address}`,
        after: b,
      });
      return c.json({ added }, 201);
    },
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
      if (!(await unsuppress(c.env, channel, address)))
        throw notFound("Suppression", "That address is not suppressed.");
      await audit(c, {
        action: "notification.unsuppressed",
        targetType: "suppression",
        targetId: `${channel}:${address}`,
        before: { channel, address },
      });
      return c.body(null, 204);
    },
  );
