/**
 * The Slack and Discord channels: posts to the user's incoming webhook, whose URL must have
 * the provider's own shape and pass the outbound URL policy.
 */
import { checkOutboundUrl } from "../../http/url-policy";
import { LIMITS, splitText } from "./limits";
import { type ChannelAdapter, httpFailure, jsonBody, providerFetch } from "./types";

/** Slack incoming webhooks live under this prefix; nothing else is ever POSTed to. */
export const SLACK_WEBHOOK = /^https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]+$/;
/** Discord webhooks (`discord.com` and the older `discordapp.com`). */
export const DISCORD_WEBHOOK = /^https:\/\/(?:discord|discordapp)\.com\/api\/webhooks\/\d+\/[A-Za-z0-9_-]+$/;

/**
 * A chat webhook URL may be used: the provider's own URL shape (an allow-list of one host) and
 * the shared host policy, so every user URL the Worker fetches passes the same gate.
 */
export function chatWebhookAllowed(channel: "slack" | "discord", url: string): boolean {
  return (channel === "slack" ? SLACK_WEBHOOK : DISCORD_WEBHOOK).test(url) && checkOutboundUrl(url).ok;
}

/**
 * Slack incoming webhook: `POST {text}` in mrkdwn, answered `ok` (no message id). A deleted
 * or revoked webhook answers 404 `no_service`/403 `invalid_token`: permanent, suppressed.
 */
export const slackAdapter: ChannelAdapter = {
  channel: "slack",
  configProblem: () => null,
  async send(_env, message) {
    // Checked again here (not only when saved): nothing but Slack's own host is ever called.
    if (!chatWebhookAllowed("slack", message.to))
      throw httpFailure("Slack", new Response(null, { status: 400 }), "bad URL");
    const parts = splitText(message.text, LIMITS.slack);
    for (const text of parts) {
      const res = await providerFetch("Slack", message.to, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text, mrkdwn: true, unfurl_links: false }),
      });
      if (!res.ok) {
        const detail = (await res.text().catch(() => "")).slice(0, 40).replace(/[^a-z_]/gi, "");
        throw httpFailure(
          "Slack",
          res,
          detail,
          res.status === 404 || res.status === 403 || res.status === 410 ? "invalid" : null,
        );
      }
    }
    return { providerMessageId: null, parts: parts.length, delivered: true };
  },
};

/**
 * Discord webhook: `POST ?wait=true {content}` (2000 characters), mentions disabled so a
 * hostile value cannot ping @everyone. `wait=true` makes Discord answer with the message and
 * its id. 404 "Unknown Webhook" is permanent and suppressed.
 */
export const discordAdapter: ChannelAdapter = {
  channel: "discord",
  configProblem: () => null,
  async send(_env, message) {
    if (!chatWebhookAllowed("discord", message.to))
      throw httpFailure("Discord", new Response(null, { status: 400 }), "bad URL");
    const parts = splitText(message.text, LIMITS.discord);
    let first: string | null = null;
    for (const content of parts) {
      const res = await providerFetch("Discord", `${message.to}?wait=true`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ content, allowed_mentions: { parse: [] } }),
      });
      const json = await jsonBody(res);
      if (!res.ok) {
        const code = typeof json?.code === "number" ? `code ${json.code}` : "";
        throw httpFailure("Discord", res, code, res.status === 404 || res.status === 401 ? "invalid" : null);
      }
      first ??= typeof json?.id === "string" ? json.id : null;
    }
    return { providerMessageId: first, parts: parts.length, delivered: true };
  },
};
