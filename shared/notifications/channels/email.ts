/**
 * The email channel: one outgoing mail through the configured provider (Cloudflare's
 * `send_email` binding or an HTTP API), with its defaults and threading headers, recorded in the
 * log of what we sent.
 */
import { EmailMessage } from "cloudflare:email";
import { z } from "zod";
import { recordSent } from "../../mail/sent-log";
import { parseMailbox, toRaw } from "../compose";
import {
  type ChannelAdapter,
  ChannelError,
  type ChannelMessage,
  httpFailure,
  jsonBody,
  providerFetch,
  type SendResult,
} from "./types";

/**
 * One outgoing email. Everything but `to`, `subject`, `text` is optional: `from` defaults to
 * `MAIL_FROM`, `messageId` to a fresh one on the sender's domain, `html` to none.
 * `inReplyTo`/`references` are Message-IDs without angle brackets (threaded replies).
 */
export interface EmailInput {
  to: string;
  subject: string;
  text: string;
  html?: string;
  from?: { name?: string; addr: string };
  replyTo?: string;
  inReplyTo?: string;
  references?: string[];
  messageId?: string;
  headers?: Record<string, string>;
}

/** `EMAIL_PROVIDER`: `binding` (Cloudflare `send_email`, the default) or `http`. */
const EmailConfig = z.discriminatedUnion("provider", [
  z.object({ provider: z.literal("binding") }),
  z.object({
    provider: z.literal("http"),
    /** A Resend-compatible `POST /emails` endpoint, e.g. `https://api.resend.com/emails`. */
    url: z.string().url().startsWith("https://"),
    apiKey: z.string().min(8),
  }),
]);
type EmailConfig = z.infer<typeof EmailConfig>;

function emailConfig(env: Env) {
  const e = env;
  const provider = e.EMAIL_PROVIDER || "binding";
  return EmailConfig.safeParse(
    provider === "http" ? { provider, url: e.EMAIL_HTTP_URL, apiKey: e.EMAIL_HTTP_API_KEY } : { provider },
  );
}

const angle = (id: string) => `<${id.replace(/^<|>$/g, "")}>`;

/** Header values may not carry line breaks: a hostile subject must not add headers. */
const oneLine = (value: string) => value.replace(/[\r\n]+/g, " ");

function domainOf(addr: string): string {
  return addr.split("@")[1] ?? "statex.localhost";
}

/** Fills in the defaults and the threading headers. */
function prepare(env: Env, input: EmailInput) {
  const from = input.from ?? parseMailbox(env.MAIL_FROM);
  const messageId = (input.messageId ?? `${crypto.randomUUID()}@${domainOf(from.addr)}`).replace(/^<|>$/g, "");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) headers[name] = oneLine(value);
  if (input.replyTo) headers["Reply-To"] = oneLine(input.replyTo);
  if (input.inReplyTo) headers["In-Reply-To"] = angle(input.inReplyTo);
  if (input.references?.length) headers.References = input.references.map(angle).join(" ");
  return { from, messageId, headers, subject: oneLine(input.subject) };
}

async function sendViaBinding(env: Env, input: EmailInput): Promise<SendResult> {
  const { from, messageId, headers, subject } = prepare(env, input);
  const raw = toRaw({
    from,
    to: input.to,
    subject,
    text: input.text,
    html: input.html ?? "",
    messageId,
    headers,
  });
  try {
    const result = await env.EMAIL.send(new EmailMessage(from.addr, input.to, raw));
    // The platform sets the Message-ID on the wire (random) and returns it: the id a genuine
    // bounce quotes. Ours is never recorded — notifications' are deterministic, so guessable.
    await recordSent(env, [result.messageId], input.to);
    return { providerMessageId: result.messageId, parts: 1, messageId: result.messageId || messageId };
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    // The binding refuses disallowed or unverified senders/recipients for good.
    const permanent = /not allowed|invalid|not verified|destination/i.test(message);
    throw new ChannelError("the email could not be sent", { retryable: !permanent, cause });
  }
}

async function sendViaHttp(
  env: Env,
  config: Extract<EmailConfig, { provider: "http" }>,
  input: EmailInput,
): Promise<SendResult> {
  const { from, messageId, headers, subject } = prepare(env, input);
  const res = await providerFetch("the email provider", config.url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${config.apiKey}`,
      "content-type": "application/json",
      // The same Message-ID makes the provider's own retry-safe sends idempotent.
      "idempotency-key": messageId,
    },
    body: JSON.stringify({
      from: from.name ? `${from.name} <${from.addr}>` : from.addr,
      to: [input.to],
      subject,
      text: input.text,
      ...(input.html ? { html: input.html } : {}),
      ...(input.replyTo ? { reply_to: input.replyTo } : {}),
      // RFC 3834 marker unless the caller set its own (`auto-replied` for answers to mail).
      headers: { "Auto-Submitted": "auto-generated", ...headers, "Message-ID": angle(messageId) },
    }),
  });
  if (!res.ok) {
    const body = await jsonBody(res);
    const name = typeof body?.name === "string" ? body.name.slice(0, 80) : "";
    // 422 validation_error: the recipient or sender is unusable; not worth retrying.
    throw httpFailure("the email provider", res, name, res.status === 422 ? "invalid" : null);
  }
  const body = await jsonBody(res);
  // Nothing goes in the sent log: the provider's return path and feedback loops are its own
  // (it reports bounces through its API), and our Message-IDs are guessable, so no report that
  // reaches our inbound address about this mail can be trusted.
  return { providerMessageId: typeof body?.id === "string" ? body.id : null, parts: 1, messageId };
}

/**
 * Sends one email through the configured provider (`EMAIL_PROVIDER`): the `send_email`
 * binding (mimetext, text + HTML) or a Resend-style HTTP API. Does not consult preferences or
 * the delivery log; callers that notify users go through the delivery engine, which does.
 * Inbound-mail acknowledgements use it directly, with `inReplyTo`/`references` for threading.
 * Throws `ChannelError` (retryable or not).
 */
export async function sendEmail(env: Env, input: EmailInput): Promise<SendResult> {
  const config = emailConfig(env);
  if (!config.success) {
    throw new ChannelError("email is not configured: set EMAIL_HTTP_URL and EMAIL_HTTP_API_KEY", {
      retryable: false,
    });
  }
  return config.data.provider === "http" ? sendViaHttp(env, config.data, input) : sendViaBinding(env, input);
}

export const emailAdapter: ChannelAdapter = {
  channel: "email",
  configProblem(env) {
    const config = emailConfig(env);
    return config.success ? null : "EMAIL_PROVIDER=http needs EMAIL_HTTP_URL (https) and EMAIL_HTTP_API_KEY";
  },
  send(env, message: ChannelMessage) {
    return sendEmail(env, {
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: message.messageId,
      headers: message.headers,
      replyTo: message.replyTo,
    });
  },
};
