/**
 * A reply in one of our conversations (to a valid signed `in_…` plus-address), which only the
 * mailbox that received our mail can write, so it joins its conversation without another
 * confirmation: to a request still waiting for confirmation it adds text; to a confirmed one
 * it is an answer in that request's thread (`answer.ts`), as a reply to the request's own
 * address is — not a new, unlinked request.
 */
import { desc, eq } from "drizzle-orm";
import { db } from "../db/client";
import { emailThreads, inboundEmails } from "../db/schema";
import { pendingRawKey } from "../submissions/keys";
import { actionBody, overAckCap } from "./ack";
import { threadAddress } from "./address";
import { recordAckSent } from "./analytics/count";
import { answerRequest } from "./answer";
import { confirmLink } from "./confirm";
import { answer, replySubject } from "./outbound";
import { type Incoming, type Received, type Refusal, record } from "./received";

/**
 * Continues conversation `rootId` with this reply: null when it is handled, a refusal, or
 * `"new"` when it starts a new conversation instead (a reply from another address than the
 * conversation's, or to a conversation that is gone or neither waiting nor accepted).
 */
export async function continueConversation(
  ctx: Received,
  incoming: Incoming,
  rootId: string,
): Promise<Refusal | null | "new"> {
  const { env, log } = ctx;
  const d = db(env.DB);
  const [root] = await d.select().from(inboundEmails).where(eq(inboundEmails.id, rootId)).limit(1);
  if (!root || root.sender !== incoming.sender) {
    log.info("thread reply from another sender or for a removed conversation; treating as new", { rootId });
    return "new";
  }
  if (root.status === "pending") {
    const capped = await overAckCap(ctx, incoming);
    if (capped) return capped;
    const rawKey = pendingRawKey(ctx.id);
    await env.FILES.put(rawKey, incoming.raw, { httpMetadata: { contentType: "message/rfc822" } });
    if (!(await record(ctx, incoming, { status: "appended", rawKey, parentId: root.id, ackedAt: ctx.now }))) {
      await env.FILES.delete(rawKey);
      return null;
    }
    await replyInThread(
      ctx,
      incoming,
      root,
      actionBody(
        ["Hello,", "we added your message to your request. It starts as soon as you confirm it."],
        await confirmLink(env, root.id, ctx.now),
        "Confirm my request",
        "The link works for 7 days.",
      ),
    );
    log.info("reply added to a pending request", { rootId });
    return null;
  }
  if (root.status !== "accepted" || !root.userId) return "new";

  // The conversation's latest request: the reply joins its thread (one thread per request).
  const [latest] = await d
    .select({ submissionId: emailThreads.submissionId })
    .from(emailThreads)
    .where(eq(emailThreads.rootInboundId, root.id))
    .orderBy(desc(emailThreads.createdAt))
    .limit(1);
  if (!latest) return "new";
  return answerRequest(ctx, incoming, latest.submissionId);
}

/** Answers `incoming` in the conversation of `root`: its subject, its signed thread address, its references. */
async function replyInThread(
  ctx: Received,
  incoming: Incoming,
  root: { id: string; subject: string },
  body: ReturnType<typeof actionBody>,
): Promise<void> {
  await answer(
    ctx.env,
    {
      to: incoming.sender,
      subject: replySubject(incoming.mail.subject || root.subject),
      replyTo: await threadAddress(ctx.env, root.id, ctx.now),
      inReplyTo: incoming.mail.messageId,
      references: incoming.mail.references,
      ...body,
    },
    ctx.log,
    ctx.message,
  );
  await recordAckSent(db(ctx.env.DB), ctx.id);
}
