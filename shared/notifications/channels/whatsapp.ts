/**
 * The WhatsApp channel through Meta's Cloud API: text messages, the statuses in Meta's
 * webhook, and checking that webhook's signature and subscription token.
 */
import { z } from "zod";
import { toHex } from "../../crypto";
import { LIMITS, splitText } from "./limits";
import { type ChannelAdapter, ChannelError, httpFailure, jsonBody, providerFetch } from "./types";

const WhatsAppConfig = z.object({
  token: z.string().min(20, "WHATSAPP_TOKEN is a Graph API access token"),
  phoneNumberId: z.string().regex(/^\d{5,20}$/, "WHATSAPP_PHONE_NUMBER_ID is numeric"),
  apiVersion: z.string().regex(/^v\d+\.\d+$/),
});

function config(env: Env) {
  const e = env;
  return WhatsAppConfig.safeParse({
    token: e.WHATSAPP_TOKEN,
    phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID,
    apiVersion: e.WHATSAPP_API_VERSION || "v21.0",
  });
}

/**
 * Graph API error codes that mean this recipient cannot get the message: not a WhatsApp user
 * (131026), invalid parameter / recipient (131009, 100).
 */
const DEAD_RECIPIENT = new Set([131026, 131009, 100]);

/**
 * WhatsApp Cloud API text messages (`POST /{version}/{phone-number-id}/messages`). Free-form
 * text only reaches people who wrote to the business in the last 24 hours; outside that
 * window Meta requires an approved template (error 131047, treated as permanent).
 */
export const whatsappAdapter: ChannelAdapter = {
  channel: "whatsapp",
  configProblem(env) {
    return config(env).success ? null : "WhatsApp needs WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID";
  },
  async send(env, message) {
    const c = config(env);
    if (!c.success) throw new ChannelError("WhatsApp is not configured", { retryable: false });
    const parts = splitText(message.text, LIMITS.whatsapp);
    let first: string | null = null;
    for (const body of parts) {
      const res = await providerFetch(
        "WhatsApp",
        `https://graph.facebook.com/${c.data.apiVersion}/${c.data.phoneNumberId}/messages`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${c.data.token}`, "content-type": "application/json" },
          body: JSON.stringify({
            messaging_product: "whatsapp",
            recipient_type: "individual",
            to: message.to.replace(/^\+/, ""),
            type: "text",
            text: { preview_url: false, body },
          }),
        },
      );
      const json = await jsonBody(res);
      if (!res.ok) {
        const error = json?.error as { code?: number } | undefined;
        const code = typeof error?.code === "number" ? error.code : null;
        // Graph API throttling (4, 80007, 130429) comes back as 400 or 429.
        if (code === 4 || code === 80007 || code === 130429 || code === 131056) {
          throw new ChannelError(`WhatsApp throttled the send (error ${code})`, {
            retryable: true,
            httpStatus: res.status,
            retryAfterSeconds: 60,
          });
        }
        throw httpFailure(
          "WhatsApp",
          res,
          code === null ? "" : `error ${code}`,
          code !== null && DEAD_RECIPIENT.has(code) ? "invalid" : null,
        );
      }
      const messages = json?.messages as { id?: string }[] | undefined;
      first ??= messages?.[0]?.id ?? null;
    }
    return { providerMessageId: first, parts: parts.length };
  },
};

/**
 * Checks Meta's `X-Hub-Signature-256: sha256=<hex>` over the raw webhook body with the app
 * secret (`WHATSAPP_APP_SECRET`). No secret configured: every report is refused.
 */
export async function verifyWhatsAppSignature(env: Env, rawBody: string, header: string): Promise<boolean> {
  const secret = env.WHATSAPP_APP_SECRET;
  const given = /^sha256=([0-9a-f]{64})$/i.exec(header.trim())?.[1]?.toLowerCase();
  if (!secret || !given) return false;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(rawBody)));
  const expected = toHex(mac);
  const a = new TextEncoder().encode(expected);
  const b = new TextEncoder().encode(given);
  return a.length === b.length && crypto.subtle.timingSafeEqual(a, b);
}

/**
 * Checks `hub.verify_token` of Meta's subscription handshake against `WHATSAPP_VERIFY_TOKEN`
 * in constant time: both are hashed first, so neither the content nor the length of the
 * token leaks through timing. No token configured: every handshake is refused.
 */
export async function verifyWhatsAppToken(env: Env, given: string): Promise<boolean> {
  const expected = env.WHATSAPP_VERIFY_TOKEN;
  if (!expected || !given) return false;
  const digest = async (v: string) =>
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(v)));
  return crypto.subtle.timingSafeEqual(await digest(expected), await digest(given));
}

/** One message status from a WhatsApp webhook (`entry[].changes[].value.statuses[]`). */
export interface WhatsAppStatus {
  id: string;
  status: string;
  errorCode: number | null;
}

/** The message statuses in a webhook payload; anything else in it (incoming messages) is ignored. */
export function whatsappStatuses(payload: unknown): WhatsAppStatus[] {
  const out: WhatsAppStatus[] = [];
  const entries = (payload as { entry?: unknown })?.entry;
  if (!Array.isArray(entries)) return out;
  for (const entry of entries) {
    const changes = (entry as { changes?: unknown })?.changes;
    if (!Array.isArray(changes)) continue;
    for (const change of changes) {
      const statuses = (change as { value?: { statuses?: unknown } })?.value?.statuses;
      if (!Array.isArray(statuses)) continue;
      for (const st of statuses as { id?: unknown; status?: unknown; errors?: { code?: unknown }[] }[]) {
        if (typeof st?.id !== "string" || typeof st.status !== "string") continue;
        const code = st.errors?.[0]?.code;
        out.push({ id: st.id, status: st.status, errorCode: typeof code === "number" ? code : null });
      }
    }
  }
  return out;
}
