/**
 * The SMS channel through Twilio: sending within SMS segment limits, the delivery-report
 * callback URL, and checking the signature of Twilio's reports.
 */
import { z } from "zod";
import { fitSms, smsSegments } from "./limits";
import { type ChannelAdapter, ChannelError, httpFailure, jsonBody, providerFetch } from "./types";

const TwilioConfig = z
  .object({
    accountSid: z.string().regex(/^AC[0-9a-f]{32}$/i, "TWILIO_ACCOUNT_SID is AC + 32 hex digits"),
    authToken: z.string().min(16),
    from: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, "TWILIO_FROM is an E.164 number")
      .optional(),
    messagingServiceSid: z
      .string()
      .regex(/^MG[0-9a-f]{32}$/i)
      .optional(),
  })
  .refine((c) => c.from || c.messagingServiceSid, "set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID");

function config(env: Env) {
  const e = env;
  return TwilioConfig.safeParse({
    accountSid: e.TWILIO_ACCOUNT_SID,
    authToken: e.TWILIO_AUTH_TOKEN,
    from: e.TWILIO_FROM || undefined,
    messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID || undefined,
  });
}

/**
 * Twilio error codes that mean the number itself will never take this message: invalid or
 * unreachable number (21211, 21214, 21612, 21614), the recipient replied STOP (21610).
 */
const DEAD_NUMBER = new Set([21211, 21214, 21612, 21614]);
const OPTED_OUT = 21610;

/**
 * Where Twilio reports the delivery of one message: our public base (https only — Twilio does
 * not call plain-HTTP or local addresses) with the delivery id in the query, which Twilio's
 * signature covers.
 */
export function twilioCallbackUrl(env: Env, reference: string | undefined): string | null {
  const base = env.PUBLIC_BASE_URL.replace(/\/+$/, "");
  if (!reference || !base.startsWith("https://")) return null;
  return `${base}/v1/notifications/callbacks/twilio?id=${encodeURIComponent(reference)}`;
}

/**
 * Checks `X-Twilio-Signature`: base64 HMAC-SHA1, under the auth token, of the full callback
 * URL followed by every POST parameter's name and value, sorted by name.
 */
export async function verifyTwilioSignature(
  env: Env,
  url: string,
  params: Record<string, string>,
  signature: string,
): Promise<boolean> {
  const token = env.TWILIO_AUTH_TOKEN;
  if (!token || !signature) return false;
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((k) => `${k}${params[k]}`)
      .join("");
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(token),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data)));
  const expected = btoa(String.fromCharCode(...mac));
  const a = new TextEncoder().encode(expected);
  const b = new TextEncoder().encode(signature);
  return a.length === b.length && crypto.subtle.timingSafeEqual(a, b);
}

/** SMS through Twilio's Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`). */
export const twilioSmsAdapter: ChannelAdapter = {
  channel: "sms",
  configProblem(env) {
    const c = config(env);
    return c.success ? null : `SMS needs Twilio settings: ${c.error.issues.map((i) => i.message).join("; ")}`;
  },
  async send(env, message) {
    const c = config(env);
    if (!c.success) throw new ChannelError("SMS is not configured", { retryable: false });
    const body = fitSms(message.text);
    const form = new URLSearchParams({ To: message.to, Body: body });
    const callback = twilioCallbackUrl(env, message.reference);
    if (callback) form.set("StatusCallback", callback);
    if (c.data.messagingServiceSid) form.set("MessagingServiceSid", c.data.messagingServiceSid);
    else if (c.data.from) form.set("From", c.data.from);
    const res = await providerFetch(
      "Twilio",
      `https://api.twilio.com/2010-04-01/Accounts/${c.data.accountSid}/Messages.json`,
      {
        method: "POST",
        headers: {
          authorization: `Basic ${btoa(`${c.data.accountSid}:${c.data.authToken}`)}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: form.toString(),
      },
    );
    const json = await jsonBody(res);
    if (!res.ok) {
      const code = typeof json?.code === "number" ? json.code : null;
      const suppress = code === OPTED_OUT ? "unsubscribe" : code !== null && DEAD_NUMBER.has(code) ? "invalid" : null;
      throw httpFailure("Twilio", res, code === null ? "" : `error ${code}`, suppress);
    }
    return {
      providerMessageId: typeof json?.sid === "string" ? json.sid : null,
      parts: smsSegments(body).segments,
    };
  },
};
