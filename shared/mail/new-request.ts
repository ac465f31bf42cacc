/**
 * A new conversation by email: the message is kept (raw, under `pendingRawKey`) and its sender
 * asked to confirm it with a signed link, in their own thread, its `Reply-To` the signed
 * plus-address that joins their next reply to it. Nothing starts before confirmation, and what
 * an unconfirmed sender can make us send is bounded: a few waiting requests per address, and
 * the platform-wide acknowledgement cap.
 */
import { and, eq, gte, sql } from "drizzle-orm";
import { db } from "../db/client";
import { inboundEmails, users } from "../db/schema";
import { pendingRawKey } from "../submissions/keys";
import { actionBody, overAckCap } from "./ack";
import { threadAddress } from "./address";
import { checkAttachments } from "./attachments";
import { confirmLink } from "./confirm";
import { inboundLimits, MAX_PENDING_PER_SENDER, PENDING_TTL_MS } from "./limits";
import { answer, replySubject } from "./outbound";
import { type Incoming, type Received, type Refusal, record } from "./received";

/** Characters of the subject an acknowledgement repeats. */
const SUBJECT_CHARS = 200;

/** A subject as one short line (no control characters), for the body of an acknowledgement. */
function oneLine(text: string, max = SUBJECT_CHARS): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A new conversation: keep the message, ask its sender to confirm. */
export async function startConversation(ctx: Received, incoming: Incoming): Promise<Refusal | null> {
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
    return null;
  }
  const capped = await overAckCap(ctx, incoming);
  if (capped) return capped;
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
    return null;
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
  return null;
}
