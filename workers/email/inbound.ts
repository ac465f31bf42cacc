/**
 * Requests by plain email (the `email()` handler behind Email Routing).
 *
 * A new message never starts a job by itself: headers are forgeable and Email Workers see no
 * SPF/DKIM/DMARC results, so its sender gets an acknowledgement with a signed confirmation
 * link (`confirm.tsx`), and only the person who can read that mailbox can spend its quota.
 * The acknowledgement's `Reply-To` is a signed plus-address (`address.ts`): a reply to it —
 * which only that mailbox can write — joins the conversation without another confirmation:
 * it adds to a request still waiting for confirmation, or follows up a confirmed one.
 *
 * Every message ends one way: a pending or accepted request with an answer in its thread, an
 * ignored automatic message (never answered: no loops), a bounce fed to the suppression list,
 * or `setReject` with a human reason. Nothing throws out of here.
 */
import { and, desc, eq, gte, sql } from "drizzle-orm";
import { sha256Hex } from "../../shared/crypto";
import { db } from "../../shared/db/client";
import { emailThreads, type InboundEmailRow, inboundEmails, submissions, users } from "../../shared/db/schema";
import { createLogger, type Logger } from "../../shared/log";
import { inboundAddress, newInboundId, readRecipient, threadAddress } from "../../shared/mail/address";
import { answer, replySubject } from "../../shared/mail/outbound";
import { sentTo } from "../../shared/mail/sent-log";
import { actionMail, parseMailbox } from "../../shared/notifications/compose";
import { suppress } from "../../shared/notifications/suppression";
import { uploadLimits } from "../../shared/submissions/files";
import { pendingRawKey } from "../../shared/submissions/keys";
import { newTraceId } from "../../shared/trace";
import { MAX_TEXT_CHARS } from "../api/submissions/schemas";
import { checkAttachments } from "./attachments";
import { confirmLink, createFromConversation, followUpText } from "./confirm-service";
import { type ParsedMail, parseMail } from "./parse";
import { classify, type MailKind, quotedMessageIds } from "./policy";

/** Cloudflare Email Routing accepts at most 25 MiB; we refuse a little earlier, with a reason. */
export const DEFAULT_MAX_MESSAGE_BYTES = 20 * 1024 * 1024;
/** Unconfirmed requests one address may have waiting: bounds the mail a forger can make us send. */
export const MAX_PENDING_PER_SENDER = 3;
export const PENDING_TTL_MS = 7 * 24 * 3600_000;
/**
 * Acknowledgements to unconfirmed senders, platform-wide, per rolling hour
 * (`INBOUND_ACKS_PER_HOUR`): forged senders are unbounded in number, so the per-sender limit
 * alone does not stop us being used to mail thousands of strangers.
 */
export const DEFAULT_ACKS_PER_HOUR = 200;
const HOUR_MS = 3600_000;
/** Characters of the subject an acknowledgement repeats. */
const SUBJECT_CHARS = 200;

const num = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

/** The message size limit, and the upload limits every file of a request obeys (`UPLOAD_MAX_*`). */
export function inboundLimits(env: Env) {
  const e = env;
  const uploads = uploadLimits(env);
  return {
    maxBytes: num(e.INBOUND_MAX_BYTES, DEFAULT_MAX_MESSAGE_BYTES),
    maxAttachments: uploads.maxFiles,
    acksPerHour: num(e.INBOUND_ACKS_PER_HOUR, DEFAULT_ACKS_PER_HOUR),
    uploads,
  };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;

interface Context {
  env: Env;
  message: ForwardableEmailMessage;
  log: Logger;
  correlationId: string;
  id: string;
  now: number;
}

type Outcome = Pick<InboundEmailRow, "status"> &
  Partial<Pick<InboundEmailRow, "reason" | "rawKey" | "parentId" | "submissionId" | "userId" | "ackedAt">>;

/** The email handler: decides, records, answers. */
export async function handleInboundEmail(message: ForwardableEmailMessage, env: Env): Promise<void> {
  const correlationId = newTraceId();
  const log = createLogger({ correlationId, component: "email" });
  const ctx: Context = { env, message, log, correlationId, id: newInboundId(), now: Date.now() };
  try {
    await receive(ctx);
  } catch (error) {
    log.error("inbound email failed", { error, to: message.to });
    message.setReject(
      `StateX could not process this message because of an error on our side (reference ${correlationId}). Please try again later.`,
    );
  }
}

function reject(ctx: Context, reason: string, publicReason: string): void {
  ctx.log.info("inbound email rejected", { reason, to: ctx.message.to, rawSize: ctx.message.rawSize });
  ctx.message.setReject(publicReason);
}

async function record(
  ctx: Context,
  fields: { dedupeKey: string; mail: ParsedMail | null; sender: string },
  outcome: Outcome,
): Promise<boolean> {
  const inserted = await db(ctx.env.DB)
    .insert(inboundEmails)
    .values({
      id: ctx.id,
      dedupeKey: fields.dedupeKey,
      messageId: fields.mail?.messageId ?? null,
      sender: fields.sender,
      recipient: ctx.message.to.toLowerCase(),
      subject: fields.mail?.subject ?? "",
      rawSize: ctx.message.rawSize,
      correlationId: ctx.correlationId,
      createdAt: ctx.now,
      ...outcome,
    })
    .onConflictDoNothing()
    .returning({ id: inboundEmails.id });
  return inserted.length > 0;
}

async function receive(ctx: Context): Promise<void> {
  const { env, message, log } = ctx;
  const limits = inboundLimits(env);
  if (message.rawSize > limits.maxBytes) {
    return reject(
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
    return reject(ctx, "unparseable", "StateX could not read this message: its MIME structure is not valid.");
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
    return;
  }

  const kind = classify(mail, message.from, [
    parseMailbox(env.MAIL_FROM).addr.toLowerCase(),
    inboundAddress(env).address,
  ]);
  if (kind.kind === "bounce" || kind.kind === "complaint") {
    await handleReport(ctx, { dedupeKey, mail, sender }, kind, quotedMessageIds(mail, raw));
    return;
  }
  if (kind.kind === "automatic") {
    await record(ctx, { dedupeKey, mail, sender }, { status: "ignored", reason: kind.reason });
    log.info("automatic inbound email ignored", { reason: kind.reason });
    return;
  }

  const recipient = await readRecipient(env, message.to, ctx.now);
  if (recipient.kind === "unknown") {
    await record(ctx, { dedupeKey, mail, sender }, { status: "rejected", reason: "unknown recipient" });
    return reject(
      ctx,
      "unknown recipient",
      `There is no mailbox ${message.to} at StateX. Send requests to ${inboundAddress(env).address}.`,
    );
  }
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$|^[^@\s]+@localhost$|^[^@\s]+@[^@\s]+\.localhost$/.test(sender)) {
    await record(ctx, { dedupeKey, mail, sender }, { status: "rejected", reason: "no sender address" });
    return reject(ctx, "no sender", "StateX could not tell who sent this message (no valid From address).");
  }
  const files = mail.attachments.filter((a) => !a.inline);
  if (files.length > limits.maxAttachments) {
    await record(ctx, { dedupeKey, mail, sender }, { status: "rejected", reason: "too many attachments" });
    return reject(
      ctx,
      "too many attachments",
      `Your message has ${files.length} attachments; StateX takes up to ${limits.maxAttachments} by email. Please send fewer, or upload them in the portal.`,
    );
  }
  const text = requestText(mail);
  if (text.length > MAX_TEXT_CHARS) {
    await record(ctx, { dedupeKey, mail, sender }, { status: "rejected", reason: "text too long" });
    return reject(
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
    return reject(
      ctx,
      "empty",
      refused.length
        ? `StateX cannot use any attachment of your message: ${refused.map((r) => r.detail).join(" ")}`
        : "Your message has no text or attachments for StateX to work on.",
    );
  }

  if (recipient.kind === "thread") {
    const handled = await continueConversation(ctx, { dedupeKey, mail, raw, sender }, recipient.inboundId);
    if (handled) return;
  } else if (recipient.kind === "bad-token") {
    log.info("reply with a bad thread token treated as a new request", { reason: recipient.reason });
  }
  await startConversation(ctx, { dedupeKey, mail, raw, sender });
}

/** Recipients of one report checked at most: we send each message to one address. */
const MAX_REPORTED_RECIPIENTS = 5;

/**
 * Bounces and complaints. Anyone can write a delivery report naming any address, so a report
 * counts only for a recipient we really sent the quoted original to (`sent-log.ts`); a hard
 * failure or a complaint then stops all further mail to that address, with the report as the
 * suppression's source. A report that answers none of our messages is recorded as ignored,
 * with why, and changes nothing. Reports are never answered.
 */
async function handleReport(
  ctx: Context,
  fields: { dedupeKey: string; mail: ParsedMail; sender: string },
  report: Extract<MailKind, { kind: "bounce" | "complaint" }>,
  quoted: string[],
): Promise<void> {
  const verdicts: { address: string; severity: "hard" | "soft"; status: string; answers: string | null }[] = [];
  for (const r of report.recipients.slice(0, MAX_REPORTED_RECIPIENTS)) {
    verdicts.push({ ...r, answers: await sentTo(ctx.env, quoted, r.address, ctx.now) });
  }
  const trusted = verdicts.filter((v) => v.answers !== null);
  const detail = verdicts
    .map((v) =>
      v.answers
        ? `${v.address} ${v.severity === "hard" ? "suppressed" : "not suppressed"} (${v.status}), answering <${v.answers}>`
        : `answers no message we sent to ${v.address}`,
    )
    .join("; ");
  const reason = `${report.reason}: ${detail || "names no recipient"}`.slice(0, 1000);
  const inserted = await record(ctx, fields, { status: trusted.length > 0 ? "bounce" : "ignored", reason });
  if (!inserted) return; // the same report arrived twice at once; the other delivery acts on it
  for (const v of trusted) {
    if (v.severity !== "hard") continue;
    const added = await suppress(ctx.env, {
      channel: "email",
      address: v.address,
      reason: report.kind === "complaint" ? "complaint" : "hard_bounce",
      source: `${report.kind}:${ctx.id}`,
    });
    ctx.log.warn("address bounced", { kind: report.kind, address: v.address, status: v.status, suppressed: added });
  }
  if (trusted.length < verdicts.length || verdicts.length === 0) {
    ctx.log.warn("unverified bounce or complaint ignored", { kind: report.kind, quoted: quoted.length });
  }
}

interface Incoming {
  dedupeKey: string;
  mail: ParsedMail;
  raw: Uint8Array;
  sender: string;
}

/** A new conversation: keep the message, ask its sender to confirm. */
async function startConversation(ctx: Context, incoming: Incoming): Promise<void> {
  const { env, log } = ctx;
  const d = db(env.DB);
  const [{ waiting } = { waiting: 0 }] = await d
    .select({ waiting: sql<number>`count(*)` })
    .from(inboundEmails)
    .where(
      and(
        eq(inboundEmails.sender, incoming.sender),
        eq(inboundEmails.status, "pending"),
        gte(inboundEmails.createdAt, ctx.now - PENDING_TTL_MS),
      ),
    );
  if (waiting >= MAX_PENDING_PER_SENDER) {
    // Not answered: a forger must not make us mail someone without end.
    await record(
      ctx,
      { dedupeKey: incoming.dedupeKey, mail: incoming.mail, sender: incoming.sender },
      { status: "ignored", reason: `sender already has ${waiting} unconfirmed requests` },
    );
    log.warn("too many unconfirmed requests from one sender", { waiting });
    return;
  }
  if (await overAckCap(ctx, incoming)) return;
  const rawKey = pendingRawKey(ctx.id);
  await env.FILES.put(rawKey, incoming.raw, {
    httpMetadata: { contentType: "message/rfc822" },
    customMetadata: { inboundId: ctx.id, correlationId: ctx.correlationId },
  });
  const inserted = await record(
    ctx,
    { dedupeKey: incoming.dedupeKey, mail: incoming.mail, sender: incoming.sender },
    { status: "pending", rawKey, ackedAt: ctx.now },
  );
  if (!inserted) {
    // The same message arrived twice at once; the other delivery answers it.
    await env.FILES.delete(rawKey);
    return;
  }
  const [account] = await d.select({ id: users.id }).from(users).where(eq(users.email, incoming.sender)).limit(1);
  const link = await confirmLink(env, ctx.id, ctx.now);
  const { usable: files, refused } = checkAttachments(incoming.mail, inboundLimits(env).uploads);
  const paragraphs = [
    "Hello,",
    "StateX received your request by email. Before we work on it, please confirm that you sent it — email addresses can be forged, and this keeps anyone else from spending your quota.",
    account
      ? "It will belong to your StateX account."
      : "Confirming also creates a free StateX account for this address, where you can follow your requests; you can sign in later with a link sent to this address.",
    // The sender is unconfirmed, maybe forged: nothing they wrote is repeated but the subject
    // (already in the Subject line), so we cannot be made to carry a stranger's text to anyone.
    `Your request: "${oneLine(incoming.mail.subject) || "(no subject)"}"${files.length ? ` with ${files.length === 1 ? "one attachment" : `${files.length} attachments`}` : ""}.`,
    ...(refused.length
      ? [
          `We cannot use ${refused.length === 1 ? "one attachment" : `${refused.length} attachments`}: ${[...new Set(refused.map((r) => r.problem))].join("; ")}.`,
        ]
      : []),
    "To add details before confirming, just reply to this message. If you did not send it, ignore this message and nothing will happen.",
  ];
  await answer(
    env,
    {
      to: incoming.sender,
      subject: replySubject(incoming.mail.subject),
      replyTo: await threadAddress(env, ctx.id, ctx.now),
      inReplyTo: incoming.mail.messageId,
      references: incoming.mail.references,
      ...actionBody(paragraphs, link, "Confirm my request", "The link works for 7 days."),
    },
    log,
    ctx.message,
  );
  log.info("inbound request waiting for confirmation", { inboundId: ctx.id, registered: Boolean(account) });
}

/**
 * A reply to one of our messages (a valid signed plus-address). To a request still waiting for
 * confirmation it adds text; to a confirmed one it starts a follow-up in the same thread. A
 * reply from another address than the conversation's starts a new conversation instead.
 */
async function continueConversation(ctx: Context, incoming: Incoming, rootId: string): Promise<boolean> {
  const { env, log } = ctx;
  const d = db(env.DB);
  const [root] = await d.select().from(inboundEmails).where(eq(inboundEmails.id, rootId)).limit(1);
  if (!root || root.sender !== incoming.sender) {
    log.info("thread reply from another sender or for a removed conversation; treating as new", { rootId });
    return false;
  }
  if (root.status === "pending") {
    if (await overAckCap(ctx, incoming)) return true;
    const rawKey = pendingRawKey(ctx.id);
    await env.FILES.put(rawKey, incoming.raw, { httpMetadata: { contentType: "message/rfc822" } });
    if (!(await record(ctx, incoming, { status: "appended", rawKey, parentId: root.id, ackedAt: ctx.now }))) {
      await env.FILES.delete(rawKey);
      return true;
    }
    await answer(
      env,
      {
        to: incoming.sender,
        subject: replySubject(incoming.mail.subject || root.subject),
        replyTo: await threadAddress(env, root.id, ctx.now),
        inReplyTo: incoming.mail.messageId,
        references: incoming.mail.references,
        ...actionBody(
          ["Hello,", "we added your message to your request. It starts as soon as you confirm it."],
          await confirmLink(env, root.id, ctx.now),
          "Confirm my request",
          "The link works for 7 days.",
        ),
      },
      log,
      ctx.message,
    );
    log.info("reply added to a pending request", { rootId });
    return true;
  }
  if (root.status !== "accepted" || !root.userId) return false;

  // The conversation's latest request, whose result this reply answers.
  const [previous] = await d
    .select({ submission: submissions, thread: emailThreads })
    .from(emailThreads)
    .innerJoin(submissions, eq(submissions.id, emailThreads.submissionId))
    .where(eq(emailThreads.rootInboundId, root.id))
    .orderBy(desc(emailThreads.createdAt))
    .limit(1);
  const [owner] = await d.select().from(users).where(eq(users.id, root.userId)).limit(1);
  if (!owner || owner.disabledAt) {
    await record(ctx, incoming, { status: "rejected", reason: "account disabled or removed" });
    ctx.message.setReject("The StateX account of this conversation is not active.");
    return true;
  }
  const own = requestText(incoming.mail);
  const text = previous ? await followUpText(env, own, previous.submission) : own;
  const chain = previous ? (previous.thread.references.match(/<[^<>\s]+>/g)?.map((r) => r.slice(1, -1)) ?? []) : [];
  const references = [...new Set([...chain, ...incoming.mail.references])];
  const { submissionId } = await createFromConversation(env, {
    user: owner,
    text,
    messages: [{ inboundId: ctx.id, raw: incoming.raw, mail: incoming.mail }],
    rootInboundId: root.id,
    subject: root.subject || incoming.mail.subject,
    references,
    correlationId: ctx.correlationId,
    log,
  });
  await record(ctx, incoming, {
    status: "accepted",
    parentId: root.id,
    submissionId,
    userId: owner.id,
    rawKey: null,
  });
  await answer(
    env,
    {
      to: incoming.sender,
      subject: replySubject(incoming.mail.subject || root.subject),
      replyTo: await threadAddress(env, root.id, ctx.now),
      inReplyTo: incoming.mail.messageId,
      references: incoming.mail.references,
      ...actionBody(
        ["Hello,", "we received your follow-up and are working on it. The result will arrive in this thread."],
        `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/app/requests/${submissionId}`,
        "Follow it in the portal",
        `Request ${submissionId}.`,
      ),
    },
    log,
    ctx.message,
  );
  log.info("follow-up request from a thread reply", { rootId: root.id, submissionId });
  return true;
}

/** The request's text: the body without quotes and signature, else the subject ("Need a CRM, ASAP"). */
function requestText(mail: ParsedMail): string {
  return mail.text.trim() ? mail.text : mail.subject.trim();
}

/** A subject as one short line (no control characters), for the body of an acknowledgement. */
function oneLine(text: string, max = SUBJECT_CHARS): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Whether the platform-wide hourly cap of acknowledgements to unconfirmed senders is reached;
 * if so the message is refused (recorded, with the reason, never answered). Refused, not kept
 * silently: the sender's own server returns it to them with our reason, so a real sender loses
 * nothing and knows to try again, and a forged one costs us no mail. Counted in D1 (the
 * `acked_at` index, at most the cap's rows read): the count is the log of what was sent, needs
 * no other service, and concurrent deliveries can overshoot only by how many run at once.
 */
async function overAckCap(ctx: Context, incoming: Incoming): Promise<boolean> {
  const cap = inboundLimits(ctx.env).acksPerHour;
  const [{ acked } = { acked: 0 }] = await db(ctx.env.DB)
    .select({ acked: sql<number>`count(*)` })
    .from(inboundEmails)
    .where(gte(inboundEmails.ackedAt, ctx.now - HOUR_MS));
  if (acked < cap) return false;
  await record(ctx, incoming, { status: "rejected", reason: `unconfirmed acknowledgement cap (${cap}/h) reached` });
  reject(
    ctx,
    "acknowledgement cap",
    `StateX is receiving unusually many new requests by email right now. Please try again in an hour, or use the portal (${ctx.env.PUBLIC_BASE_URL}/app/requests/new).`,
  );
  return true;
}

/** Text and HTML of a short answer with one call-to-action link (the account mails' layout). */
function actionBody(paragraphs: string[], link: string, linkText: string, note: string) {
  const { text, html } = actionMail({ subject: "StateX", paragraphs, link, linkText, footer: note });
  return { text, html };
}
