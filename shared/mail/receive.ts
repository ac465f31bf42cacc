/**
 * What to do with one inbound message — the decision behind the email handler. First its route
 * (`routes/`): mail to an address nobody configured, or switched off, is refused unread; a
 * route's forwarding rules copy it to staff mailboxes once it is known to be new. A new message
 * never starts a job by itself: headers are forgeable and Email Workers see no SPF/DKIM/DMARC
 * results, so its sender is asked to confirm (`new-request.ts`), and only a reply to our signed
 * plus-address joins a conversation without that (`follow-up.ts`), or a request's thread
 * (`answer.ts`, from the request's customer only). Every message ends one way:
 * a pending or accepted request with an answer in its thread, an ignored automatic message
 * (never answered: no loops), a bounce fed to the suppression list (`reports.ts`), or a
 * refusal with a human reason, or — a new conversation scored as spam (`spam/`) — quarantined
 * unanswered (`quarantine.ts`). Duplicates (by Message-ID, else content hash) are ignored.
 */
import { eq } from "drizzle-orm";
import { sha256Hex } from "../crypto";
import { db } from "../db/client";
import { inboundEmails } from "../db/schema";
import { parseMailbox } from "../notifications/compose";
import { MAX_TEXT_CHARS } from "../submissions/accept";
import { inboundAddress } from "./address";
import { countRefusal } from "./analytics/count";
import { answerRequest } from "./answer";
import { checkAttachments } from "./attachments";
import { continueConversation } from "./follow-up";
import { inboundLimits } from "./limits";
import { startConversation } from "./new-request";
import { type ParsedMail, parseMail } from "./parse";
import { classify, quotedMessageIds } from "./policy";
import { quarantine } from "./quarantine";
import { type Received, type Refusal, record, refuse, requestText } from "./received";
import { handleReport } from "./reports";
import { forwardCopies, routeMessage } from "./routes/intake";
import { resolveRoute } from "./routes/resolve";
import { scoreIncoming } from "./spam";
import type { SpamVerdict } from "./spam/score";

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;

/** Decides, records and answers one message; a refusal is the handler's to pass on. */
export async function receiveMail(arrived: Received): Promise<Refusal | null> {
  // The envelope recipient first: an unknown address, or a route switched off, is refused unread.
  const routing = await routeMessage(arrived);
  if ("refusal" in routing) return routing.refusal;
  const { routed, recipient } = routing;
  // Everything it becomes is counted under the configured address it reached (mail analytics).
  const ctx: Received = { ...arrived, address: routing.address };
  const { env, message, log } = ctx;
  const limits = inboundLimits(env);
  if (message.rawSize > limits.maxBytes) {
    await countRefusal(db(env.DB), ctx, "too-large");
    return refuse(
      ctx,
      "too large",
      `Your message is ${mib(message.rawSize)}; StateX takes messages up to ${mib(limits.maxBytes)} by email. Please upload large files in the portal (${env.PUBLIC_BASE_URL}/app/requests/new).`,
    );
  }
  const raw = new Uint8Array(await new Response(message.raw).arrayBuffer());
  let mail: ParsedMail;
  try {
    mail = await parseMail(raw);
  } catch (error) {
    log.warn("unparseable inbound email", { error });
    await countRefusal(db(env.DB), ctx, "unparseable");
    return refuse(ctx, "unparseable", "StateX could not read this message: its MIME structure is not valid.");
  }
  const sender = mail.from ?? message.from.toLowerCase();
  const dedupeKey = mail.messageId ? `mid:${mail.messageId}` : `sha256:${await sha256Hex(raw)}`;
  const [seen] = await db(env.DB)
    .select({ id: inboundEmails.id, status: inboundEmails.status })
    .from(inboundEmails)
    .where(eq(inboundEmails.dedupeKey, dedupeKey))
    .limit(1);
  // A rejection decides nothing lasting: a resent message is judged again, and rejected again.
  if (seen && seen.status !== "rejected") {
    log.info("duplicate inbound email ignored", { inboundId: seen.id, status: seen.status });
    return null;
  }

  const kind = classify(mail, message.from, [
    parseMailbox(env.MAIL_FROM).addr.toLowerCase(),
    inboundAddress(env).address,
  ]);
  if (kind.kind === "bounce" || kind.kind === "complaint") {
    await handleReport(ctx, { dedupeKey, mail, sender }, kind, quotedMessageIds(mail, raw));
    return null;
  }
  // Scored at most once, and only when something reads the verdict (it reads the sender's
  // history in D1): a forwarding rule that matches it, or a new conversation, which is
  // quarantined by it (below), since that is what would make us answer a possibly forged sender.
  let scored: Promise<SpamVerdict> | undefined;
  const verdictOf = () => {
    scored ??= scoreIncoming(env, mail, sender);
    return scored;
  };
  const byVerdict = routed?.kind === "route" && routed.rules.some((r) => r.matchVerdict !== null);
  const spam = byVerdict ? await verdictOf() : null;
  // Copies for staff mailboxes (never of reports about our own mail).
  const forwarded = await forwardCopies(
    ctx,
    routed,
    { dedupeKey, mail, sender },
    spam ? { verdict: spam.spam ? "spam" : "ham" } : {},
  );
  if (forwarded === "stop") return null;
  if (forwarded !== "go on") return forwarded;
  if (kind.kind === "automatic") {
    await record(ctx, { dedupeKey, mail, sender }, { status: "ignored", reason: kind.reason });
    log.info("automatic inbound email ignored", { reason: kind.reason });
    return null;
  }

  if (routed?.kind === "return-path") {
    await record(ctx, { dedupeKey, mail, sender }, { status: "rejected", reason: "unknown recipient" });
    return refuse(
      ctx,
      "unknown recipient",
      `There is no mailbox ${message.to} at StateX. Send requests to ${inboundAddress(env).address}.`,
    );
  }
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$|^[^@\s]+@localhost$|^[^@\s]+@[^@\s]+\.localhost$/.test(sender)) {
    await record(ctx, { dedupeKey, mail, sender }, { status: "rejected", reason: "no sender address" });
    return refuse(ctx, "no sender", "StateX could not tell who sent this message (no valid From address).");
  }
  const files = mail.attachments.filter((a) => !a.inline);
  if (files.length > limits.maxAttachments) {
    await record(ctx, { dedupeKey, mail, sender }, { status: "rejected", reason: "too many attachments" });
    return refuse(
      ctx,
      "too many attachments",
      `Your message has ${files.length} attachments; StateX takes up to ${limits.maxAttachments} by email. Please send fewer, or upload them in the portal.`,
    );
  }
  const text = requestText(mail);
  if (text.length > MAX_TEXT_CHARS) {
    await record(ctx, { dedupeKey, mail, sender }, { status: "rejected", reason: "text too long" });
    return refuse(
      ctx,
      "text too long",
      `Your message has ${text.length} characters of text; StateX takes up to ${MAX_TEXT_CHARS}. Please attach long documents as files instead.`,
    );
  }
  const { usable, refused } = checkAttachments(mail, limits.uploads);
  // A subject alone is a request ("Need a CRM for 5 people, ASAP"), but not when the files it
  // came with were the request and none can be used: then the sender hears which, and why.
  if (usable.length === 0 && (!text || (!mail.text.trim() && refused.length > 0))) {
    await record(
      ctx,
      { dedupeKey, mail, sender },
      { status: "rejected", reason: refused.length ? "no usable attachment" : "empty" },
    );
    return refuse(
      ctx,
      "empty",
      refused.length
        ? `StateX cannot use any attachment of your message: ${refused.map((r) => r.detail).join(" ")}`
        : "Your message has no text or attachments for StateX to work on.",
    );
  }

  if (recipient.kind === "thread") {
    const continued = await continueConversation(ctx, { dedupeKey, mail, raw, sender }, recipient.inboundId);
    if (continued !== "new") return continued;
  } else if (recipient.kind === "request") {
    const answered = await answerRequest(ctx, { dedupeKey, mail, raw, sender }, recipient.submissionId);
    if (answered !== "new") return answered;
  } else if (recipient.kind === "bad-token") {
    log.info("reply with a bad thread token treated as a new request", { reason: recipient.reason });
  }
  const verdict = await verdictOf();
  if (verdict.spam) return quarantine(ctx, { dedupeKey, mail, raw, sender }, verdict);
  // A reply that joins no conversation starts one under the route of the address it was sent to.
  const route = routed ?? (await resolveRoute(env, message.to));
  return startConversation(ctx, { dedupeKey, mail, raw, sender }, route.kind === "route" ? route.route : undefined);
}
