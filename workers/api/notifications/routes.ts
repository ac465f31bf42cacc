/**
 * `/v1/notifications`, HTTP only: the signed-in user's delivery log, channel preferences and
 * destinations (set, prove with a code, remove), and the providers' signed status callbacks.
 * The work is the notification service's and the engine's.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { HttpProblem, notFound } from "../../../shared/http/problem";
import { verifyTwilioSignature } from "../../../shared/notifications/channels/sms-twilio";
import { verifyWhatsAppSignature, verifyWhatsAppToken } from "../../../shared/notifications/channels/whatsapp";
import { recordTwilioStatus, recordWhatsAppStatuses } from "../../../shared/notifications/status-reports";
import type { AppEnv } from "../../app-env";
import { requireApi } from "../../auth/middleware";
import { authProblems, problem } from "../openapi";
import { validationHook } from "../validation";
import { checkChannel, checkedAddress } from "./checks";
import { ownDelivery, timelines } from "./repo";
import {
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
  TwilioStatusForm,
  TwilioStatusQuery,
  VerifiableParams,
  WhatsAppVerifyQuery,
} from "./schemas";
import {
  deliveryPage,
  preferencesView,
  removeDestination,
  resendCode,
  saveDestinationOf,
  savePreferences,
  toDeliveryView,
  verifyDestination,
} from "./service";

const security = [{ bearerAuth: [] }];
const read = requireApi("submissions:read");
const write = requireApi("submissions:write");

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
      return c.json(await deliveryPage(c.env.DB, { ...q, userId: c.get("user").id }, q.limit, false), 200);
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
        checkChannel(p.event, p.channel, `/preferences/${i}/channel`);
      });
      await savePreferences(c, preferences, { auditUnchanged: true });
      return c.json(await preferencesView(c.env, c.get("user")), 200);
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
      const address = checkedAddress(channel, c.req.valid("json").address);
      const saved = await saveDestinationOf(c, channel, address);
      const { verified } = saved;
      const codeExpiresAt = saved.codeExpiresAt === null ? null : new Date(saved.codeExpiresAt).toISOString();
      return c.json({ channel, address, verified, codeExpiresAt }, 200);
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
      const sent = await resendCode(c, channel);
      if (sent.status === "none") throw notFound("Destination", `No ${channel} destination is set.`);
      if (sent.status === "verified") {
        throw new HttpProblem(409, "conflict", "Conflict", `Your ${channel} destination is verified already.`);
      }
      return c.json(
        { channel, address: sent.address, verified: false, codeExpiresAt: new Date(sent.expiresAt).toISOString() },
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
      const address = await verifyDestination(c, channel, c.req.valid("json").code);
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
      await removeDestination(c, c.req.valid("param").channel);
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
        query: TwilioStatusQuery,
        body: { required: true, content: { "application/x-www-form-urlencoded": { schema: TwilioStatusForm } } },
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
      await recordTwilioStatus(c.env, id, form);
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
        query: WhatsAppVerifyQuery,
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
      await recordWhatsAppStatuses(c.env, payload);
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
