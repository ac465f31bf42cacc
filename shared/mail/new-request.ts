/**
 * A new conversation by email: the message is kept (raw, under `pendingRawKey`) and its sender
 * asked to confirm it with a signed link, in their own thread, its `Reply-To` the signed
 * plus-address that joins their next reply to it. Nothing starts before confirmation — except
 * for a known sender (`routes/known-sender.ts`: a verified account that allows it, with a
 * passing authentication result unless it chose to be trusted without one), whose request
 * starts at once and who is told so. What an unconfirmed sender can make us send is bounded: a
 * few waiting requests per address, and the platform-wide acknowledgement cap. The route the
 * message came by (`routes/resolve.ts`) sets the acknowledgement's language and own text.
 */
import { and, eq, gte, sql } from "drizzle-orm";
import { db } from "../db/client";
import { inboundEmails, users } from "../db/schema";
import { pendingRawKey } from "../submissions/keys";
import { actionBody, overAckCap } from "./ack";
import { requestAddress, threadAddress } from "./address";
import { recordAckSent } from "./analytics/count";
import { checkAttachments } from "./attachments";
import { claimConfirmation, confirmLink, inboundById, refuseConfirmation, startConfirmed } from "./confirm";
import { inboundLimits, MAX_PENDING_PER_SENDER, PENDING_TTL_MS } from "./limits";
import { answer, replySubject } from "./outbound";
import { type Incoming, type Received, type Refusal, record } from "./received";
import { confirmAck, startedAck } from "./routes/ack-text";
import { authVerdict, skipsConfirmation, trustedAuthservIds } from "./routes/known-sender";
import { builtInRoute, type Route } from "./routes/resolve";

/** Characters of the subject an acknowledgement repeats. */
const SUBJECT_CHARS = 200;

/** A subject as one short line (no control characters), for the body of an acknowledgement. */
function oneLine(text: string, max = SUBJECT_CHARS): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A new conversation: keep the message, ask its sender to confirm (or start it, for a known sender). */
export async function startConversation(
  ctx: Received,
  incoming: Incoming,
  route: Route = builtInRoute(ctx.env),
): Promise<Refusal | null> {
  const { env, log } = ctx;
  const d = db(env.DB);
  const [account] = await d
    .select({
      id: users.id,
      email: users.email,
      knownSender: users.knownSender,
      emailVerifiedAt: users.emailVerifiedAt,
      disabledAt: users.disabledAt,
    })
    .from(users)
    .where(eq(users.email, incoming.sender))
    .limit(1);
  if (account && account.knownSender !== "off") {
    const verdict = authVerdict(
      incoming.mail.headers.get("authentication-results"),
      incoming.sender,
      trustedAuthservIds(env),
    );
    const known = skipsConfirmation(account, verdict);
    log.info("known sender checked", { skip: known.skip, why: known.why, verdict });
    if (known.skip) return startKnown(ctx, incoming, route, account, known.why);
  }
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
  const link = await confirmLink(env, ctx.id, ctx.now);
  const { usable: files, refused } = checkAttachments(incoming.mail, inboundLimits(env).uploads);
  // The sender is unconfirmed, maybe forged: nothing they wrote is repeated but the subject
  // (already in the Subject line), so we cannot be made to carry a stranger's text to anyone.
  const ack = confirmAck(route.ackLocale, {
    registered: Boolean(account),
    subject: oneLine(incoming.mail.subject),
    files: files.length,
    refused: { count: refused.length, problems: [...new Set(refused.map((r) => r.problem))] },
    ackText: route.ackText,
  });
  await answer(
    env,
    {
      to: incoming.sender,
      subject: replySubject(incoming.mail.subject),
      replyTo: await threadAddress(env, ctx.id, ctx.now),
      inReplyTo: incoming.mail.messageId,
      references: incoming.mail.references,
      ...actionBody(ack.paragraphs, link, ack.linkText, ack.note),
    },
    log,
    ctx.message,
  );
  await recordAckSent(d, ctx.id);
  log.info("inbound request waiting for confirmation", { inboundId: ctx.id, registered: Boolean(account) });
  return null;
}

/**
 * A known sender's request, started without confirmation: kept and recorded as a conversation
 * would be, claimed at once and started like a confirmed one, then acknowledged in the sender's
 * thread with the request's own address. Not counted against the cap of acknowledgements to
 * unconfirmed senders: this one goes to an account that chose it. Should starting fail, the
 * record is marked rejected (a resent message is judged again) and the error reaches the
 * handler, which refuses the message with a reference.
 */
async function startKnown(
  ctx: Received,
  incoming: Incoming,
  route: Route,
  account: { id: string; email: string },
  why: string,
): Promise<Refusal | null> {
  const { env, log } = ctx;
  const rawKey = pendingRawKey(ctx.id);
  await env.FILES.put(rawKey, incoming.raw, {
    httpMetadata: { contentType: "message/rfc822" },
    customMetadata: { inboundId: ctx.id, correlationId: ctx.correlationId },
  });
  const fields = { dedupeKey: incoming.dedupeKey, mail: incoming.mail, sender: incoming.sender };
  if (!(await record(ctx, fields, { status: "pending", rawKey })) || !(await claimConfirmation(env, ctx.id, ctx.now))) {
    await env.FILES.delete(rawKey);
    return null;
  }
  const row = await inboundById(env, ctx.id);
  let submissionId: string;
  try {
    if (!row) throw new Error("inbound record vanished");
    submissionId = await startConfirmed(env, row, account, log);
  } catch (error) {
    await refuseConfirmation(env, ctx.id, "could not start the known sender's request");
    await env.FILES.delete(rawKey).catch(() => undefined);
    throw error;
  }
  try {
    await env.AUDIT_CHAIN.getByName("global").append({
      actorType: "user",
      actorId: account.id,
      action: "submission.created",
      targetType: "submission",
      targetId: submissionId,
      correlationId: ctx.correlationId,
      after: { source: "email", inboundId: ctx.id, route: route.id, knownSender: why },
    });
  } catch (error) {
    log.error("audit write failed", { action: "submission.created", error });
  }
  const ack = startedAck(route.ackLocale, { subject: oneLine(incoming.mail.subject), ackText: route.ackText });
  await answer(
    env,
    {
      to: incoming.sender,
      subject: replySubject(incoming.mail.subject),
      replyTo: await requestAddress(env, submissionId, ctx.now),
      inReplyTo: incoming.mail.messageId,
      references: incoming.mail.references,
      ...actionBody(
        ack.paragraphs,
        `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/app/requests/${submissionId}`,
        ack.linkText,
        ack.note,
      ),
    },
    log,
    ctx.message,
  );
  await recordAckSent(db(env.DB), ctx.id);
  log.info("known sender's request started without confirmation", { inboundId: ctx.id, submissionId, why });
  return null;
}
