/**
 * The Telegram channel: bot messages in HTML parse mode, split to Telegram's length without
 * cutting an entity or a tag.
 */
import { z } from "zod";
import { LIMITS, splitText } from "./limits";
import { type ChannelAdapter, ChannelError, jsonBody, providerFetch, retryAfter } from "./types";

const TelegramConfig = z.object({
  botToken: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, "TELEGRAM_BOT_TOKEN looks like 123456:ABC…"),
});

function config(env: Env) {
  return TelegramConfig.safeParse({ botToken: env.TELEGRAM_BOT_TOKEN });
}

/** The length Telegram counts: text after its HTML entities are parsed. */
const visibleLength = (html: string) => html.replace(/<[^>]*>/g, "").replace(/&(lt|gt|amp|quot|#\d+);/g, "x").length;

/**
 * Splits already-escaped Telegram HTML without cutting an entity (`&amp;`) or a tag. Our
 * templates only produce `<b>`/`<i>`/`<a>` spans within one paragraph, and paragraphs are the
 * preferred split points, so a split never separates a tag from its end.
 */
function splitHtml(html: string): string[] {
  return splitText(html, LIMITS.telegram, 3, visibleLength).map((part) => {
    // A cut may still fall inside an entity: drop the broken tail.
    const broken = /&[a-z#0-9]*$/i.exec(part);
    return broken ? part.slice(0, broken.index) : part;
  });
}

/** Telegram Bot API `sendMessage`, HTML parse mode, one call per part (4096 characters each). */
export const telegramAdapter: ChannelAdapter = {
  channel: "telegram",
  configProblem(env) {
    return config(env).success ? null : "Telegram needs TELEGRAM_BOT_TOKEN";
  },
  async send(env, message) {
    const c = config(env);
    if (!c.success) throw new ChannelError("Telegram is not configured", { retryable: false });
    const parts = splitHtml(message.text);
    let first: string | null = null;
    for (const text of parts) {
      const res = await providerFetch("Telegram", `https://api.telegram.org/bot${c.data.botToken}/sendMessage`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          chat_id: message.to,
          text,
          parse_mode: "HTML",
          link_preview_options: { is_disabled: true },
        }),
      });
      const json = await jsonBody(res);
      if (!res.ok || json?.ok !== true) {
        const description = typeof json?.description === "string" ? json.description.slice(0, 120) : "";
        const params = json?.parameters as { retry_after?: number } | undefined;
        const retryable = res.status === 429 || res.status >= 500 || res.status === 0;
        // 403: the bot was blocked or kicked; 400 "chat not found": a wrong chat id.
        const suppress =
          res.status === 403
            ? "unsubscribe"
            : res.status === 400 && /chat not found/i.test(description)
              ? "invalid"
              : null;
        throw new ChannelError(`Telegram answered HTTP ${res.status}${description ? `: ${description}` : ""}`, {
          retryable,
          httpStatus: res.status,
          retryAfterSeconds:
            typeof params?.retry_after === "number" ? params.retry_after : retryAfter(res.headers.get("retry-after")),
          suppress: retryable ? null : suppress,
        });
      }
      const result = json.result as { message_id?: number } | undefined;
      first ??= result?.message_id === undefined ? null : String(result.message_id);
    }
    return { providerMessageId: first, parts: parts.length, delivered: true };
  },
};
