/**
 * Answers to inbound mail, in the sender's thread: `In-Reply-To` their message, `References`
 * the chain, `Re:` their subject, `Auto-Submitted: auto-replied` (RFC 3834, so their
 * autoresponder stays quiet) and a `Reply-To` plus-address that threads their next reply.
 * Sent with `message.reply()` where Email Routing allows it, else through `send_email`.
 */
import { EmailMessage } from "cloudflare:email";
import { ulid } from "../ids";
import type { Logger } from "../log";
import { sendEmail } from "../notifications/channels";
import { parseMailbox, toRaw } from "../notifications/compose";
import { recordSent } from "./sent-log";

export interface ThreadedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  replyTo?: string;
  /** The Message-ID answered, without brackets. */
  inReplyTo?: string | null;
  /** Earlier Message-IDs of the thread, oldest first, without brackets. */
  references?: string[];
}

/** Characters of the sender's subject our answers repeat: it is their text, maybe a forger's. */
const SUBJECT_CHARS = 200;

/** `Re: ` once, whatever the sender's client put there (Re:, RE:, Aw:, Odp:, Fwd:); on one line, bounded. */
export function replySubject(subject: string): string {
  const bare = subject
    .replace(/^\s*((re|aw|odp|fwd?|tr)\s*(\[\d+\])?\s*:\s*)+/i, "")
    .replace(/\s+/g, " ")
    .trim();
  return `Re: ${(bare.length > SUBJECT_CHARS ? `${bare.slice(0, SUBJECT_CHARS - 1)}…` : bare) || "your request"}`;
}

function threadHeaders(mail: ThreadedMail): Record<string, string> {
  const headers: Record<string, string> = { "Auto-Submitted": "auto-replied" };
  if (mail.replyTo) headers["Reply-To"] = mail.replyTo;
  if (mail.inReplyTo) {
    headers["In-Reply-To"] = `<${mail.inReplyTo}>`;
    // RFC 5322 §3.6.4; at most the last 20 ids, as mail clients trim long chains too.
    const chain = [...(mail.references ?? []).filter((r) => r !== mail.inReplyTo), mail.inReplyTo].slice(-20);
    headers.References = chain.map((r) => `<${r}>`).join(" ");
  }
  return headers;
}

function domainOf(address: string): string {
  return address.split("@")[1] ?? "statex.localhost";
}

/** The raw reply, from `from`, with a Message-ID of our own domain. */
export function composeThreaded(
  mail: ThreadedMail,
  from: { name?: string; addr: string },
  messageId = `reply.${ulid()}@${domainOf(from.addr)}`,
): string {
  return toRaw({
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId,
    headers: threadHeaders(mail),
  });
}

/**
 * Answers an inbound message. `message.reply()` is tried first when the answer goes to the
 * envelope sender and the message has a Message-ID (Email Routing's conditions); any refusal
 * falls back to the configured email provider (`sendEmail`) from `MAIL_FROM`, which threads
 * just the same.
 */
export async function answer(
  env: Env,
  mail: ThreadedMail,
  log: Logger,
  inbound?: Pick<ForwardableEmailMessage, "from" | "to" | "reply">,
): Promise<"reply" | "send_email"> {
  if (inbound && mail.inReplyTo && inbound.from.toLowerCase() === mail.to.toLowerCase()) {
    try {
      const messageId = `reply.${ulid()}@${domainOf(inbound.to)}`;
      const raw = composeThreaded(mail, { name: "StateX", addr: inbound.to }, messageId);
      const result = await inbound.reply(new EmailMessage(inbound.to, inbound.from, raw));
      // Ours is random, so it is safe to trust too, whichever of the two the platform kept.
      await recordSent(env, [result?.messageId, messageId], mail.to);
      return "reply";
    } catch (error) {
      log.warn("message.reply refused; sending through send_email", { error });
    }
  }
  // The configured email provider (send_email, or the HTTP API when EMAIL_PROVIDER=http).
  const from = parseMailbox(env.MAIL_FROM);
  await sendEmail(env, {
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: `reply.${ulid()}@${domainOf(from.addr)}`,
    headers: threadHeaders(mail),
  });
  return "send_email";
}
