import { z } from "zod";
import { LIMITS, splitText } from "./limits";
import { type ChannelAdapter, ChannelError, httpFailure, jsonBody, providerFetch } from "./types";

const WhatsAppConfig = z.object({
  token: z.string().min(20, "WHATSAPP_TOKEN is a Graph API access token"),
  phoneNumberId: z.string().regex(/^\d{5,20}$/, "WHATSAPP_PHONE_NUMBER_ID is numeric"),
  apiVersion: z.string().regex(/^v\d+\.\d+$/),
});

function config(env: Env) {
  const e = env as Cloudflare.Env;
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
