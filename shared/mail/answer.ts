/**
 * A customer's answer by mail in a request's thread: a message to the request's signed reply
 * address (`requestAddress`), or to an accepted email conversation's (`threadAddress`, whose
 * latest request it joins). Only the mailbox that received our mail knows the address, and
 * only the request's customer may write to it: mail from any other sender is not taken into
 * the thread (`"new"`: the caller treats it as a new conversation, which waits for its own
 * sender's confirmation), so a forwarded or leaked address lets nobody else into the thread.
 *
 * The answer is the mail's new text (quoted history and signature stripped by `parse.ts`), its
 * usable attachments join the request's files (the intake's checks and limits, stored as
 * intake stores them), and it becomes a `customer` message (`postCustomerMessage`: it reopens
 * the request and tells the assignee), keyed by the mail's Message-ID so a redelivered mail
 * writes nothing twice. The mail joins the request's mail thread, so our next mail answers it.
 */
import { and, eq, sql } from "drizzle-orm";
import { db, insertChunks } from "../db/client";
import { MAX_MESSAGE_CHARS, submissionFiles, submissions, users } from "../db/schema";
import { postCustomerMessage } from "../desk/customer";
import { discardUploads, fileRows, type StoredUpload, storeSubmissionFile, uploadLimits } from "../submissions/files";
import { messageKey } from "../submissions/keys";
import { checkAttachments } from "./attachments";
import { type Incoming, type Received, type Refusal, record } from "./received";
import { recordThreadMail } from "./thread";

/**
 * Joins `incoming` to the thread of request `submissionId`: null when done (or a duplicate), a
 * refusal, or `"new"` when the request is gone or the sender is not its customer.
 */
export async function answerRequest(
  ctx: Received,
  incoming: Incoming,
  submissionId: string,
): Promise<Refusal | null | "new"> {
  const { env, log } = ctx;
  const d = db(env.DB);
  const [row] = await d
    .select({ submission: submissions, owner: users })
    .from(submissions)
    .leftJoin(users, eq(users.id, submissions.userId))
    .where(eq(submissions.id, submissionId))
    .limit(1);
  if (!row) {
    log.info("answer to a request that is gone; treating as new", { submissionId });
    return "new";
  }
  const { submission: s, owner } = row;
  const customer = [s.email, owner?.email].filter(Boolean).map((a) => a?.toLowerCase());
  if (!customer.includes(incoming.sender)) {
    log.info("answer to a request's address from another sender; treating as new", { submissionId });
    return "new";
  }
  if (owner?.disabledAt) {
    await record(ctx, incoming, { status: "rejected", reason: "account disabled", submissionId });
    return { refuse: "The StateX account of this request is not active." };
  }

  const files = await storeAttachments(env, incoming, s.id, log);
  const body = incoming.mail.text.trim() || attachedText(files) || incoming.mail.subject.trim();
  let created: boolean;
  try {
    ({ created } = await postCustomerMessage(
      env,
      {
        submissionId: s.id,
        authorId: s.userId,
        channel: "email",
        body: body.length > MAX_MESSAGE_CHARS ? `${body.slice(0, MAX_MESSAGE_CHARS - 1)}…` : body,
        clientKey: `mail:${incoming.dedupeKey}`.slice(0, 255),
        correlationId: ctx.correlationId,
        fileIds: files.map((f) => f.id),
        emailMessageId: incoming.mail.messageId,
      },
      log,
    ));
  } catch (error) {
    await dropFiles(env, files);
    throw error;
  }
  if (!created) {
    // The same mail delivered twice at once: the other delivery wrote it, with its own files.
    await dropFiles(env, files);
    return null;
  }
  await env.FILES.put(messageKey(s.id, ctx.id), incoming.raw, { httpMetadata: { contentType: "message/rfc822" } });
  await record(ctx, incoming, { status: "accepted", submissionId: s.id, userId: s.userId, rawKey: null });
  if (incoming.mail.messageId) {
    await recordThreadMail(env, s.id, {
      messageId: incoming.mail.messageId,
      subject: incoming.mail.subject,
      references: incoming.mail.references,
    });
  }
  log.info("mailed answer joined its request's thread", { submissionId: s.id, files: files.length });
  return null;
}

/** "Attached: a.pdf, b.png" for an answer that is only files. */
const attachedText = (files: StoredUpload[]) =>
  files.length ? `Attached: ${files.map((f) => f.name).join(", ")}` : "";

/**
 * Stores the answer's usable attachments as files of request `submissionId`, after the ones it
 * has (one that fails its checks now is left out, not the answer). Returns the stored files.
 */
async function storeAttachments(env: Env, incoming: Incoming, submissionId: string, log: Received["log"]) {
  const limits = uploadLimits(env);
  const stored: StoredUpload[] = [];
  for (const a of checkAttachments(incoming.mail, limits).usable.slice(0, limits.maxFiles)) {
    try {
      stored.push(
        await storeSubmissionFile(env, {
          submissionId,
          name: a.filename,
          declaredType: a.mimeType,
          body: a.content,
          limits,
        }),
      );
    } catch (error) {
      log.warn("attachment of an answer left out", { name: a.filename, error });
    }
  }
  if (stored.length === 0) return stored;
  const d = db(env.DB);
  const [{ count } = { count: 0 }] = await d
    .select({ count: sql<number>`count(*)` })
    .from(submissionFiles)
    .where(eq(submissionFiles.submissionId, submissionId));
  const rows = fileRows(submissionId, stored, Date.now()).map((r) => ({ ...r, position: r.position + count }));
  const [first, ...rest] = insertChunks(submissionFiles, rows).map((chunk) => d.insert(submissionFiles).values(chunk));
  try {
    if (first) await d.batch([first, ...rest]);
  } catch (error) {
    await discardUploads(env, stored);
    throw error;
  }
  return stored;
}

/** Removes files stored for an answer that was not written. */
async function dropFiles(env: Env, files: StoredUpload[]) {
  if (files.length === 0) return;
  const d = db(env.DB);
  for (const f of files) {
    await d.delete(submissionFiles).where(and(eq(submissionFiles.id, f.id), eq(submissionFiles.key, f.key)));
  }
  await discardUploads(env, files);
}
