/**
 * A conversation by email becoming a request: its messages' usable attachments stored under
 * the new request's id, the request accepted like any other, each message kept raw with it
 * (`messageKey`) and the thread recorded so the result answers in it.
 */
import { db } from "../db/client";
import { emailThreads, type UserRow } from "../db/schema";
import { newSubmissionId } from "../ids";
import type { Logger } from "../log";
import { acceptSubmission, MAX_TEXT_CHARS, type NewRequest } from "../submissions/accept";
import { type StoredUpload, storeSubmissionFile, uploadLimits } from "../submissions/files";
import { messageKey } from "../submissions/keys";
import { checkAttachments } from "./attachments";
import type { ParsedMail } from "./parse";

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export interface ConversationMessage {
  inboundId: string;
  raw: Uint8Array | ReadableStream;
  mail: Pick<ParsedMail, "messageId" | "references" | "attachments">;
}

/** Accepts the request of a conversation and records its thread. */
export async function createFromConversation(
  env: Env,
  args: {
    user: Pick<UserRow, "id" | "email">;
    text: string;
    messages: ConversationMessage[];
    rootInboundId: string;
    subject: string;
    /** Message-IDs of the conversation before these messages. */
    references: string[];
    correlationId: string;
    log: Logger;
    /** What the route the mail came by sets (shared/mail/routes/resolve.ts); none: the defaults. */
    settings?: Pick<NewRequest, "workflow" | "reviewPolicy" | "assigneeId">;
  },
): Promise<{ submissionId: string }> {
  // The attachments first, under the id the request will have; one that fails its checks
  // now (they passed at arrival) is left out, not the whole request.
  const id = newSubmissionId();
  const limits = uploadLimits(env);
  const files: StoredUpload[] = [];
  for (const m of args.messages) {
    for (const a of checkAttachments(m.mail, limits).usable.slice(0, limits.maxFiles - files.length)) {
      try {
        files.push(
          await storeSubmissionFile(env, {
            submissionId: id,
            name: a.filename,
            declaredType: a.mimeType,
            body: a.content,
            limits,
          }),
        );
      } catch (error) {
        args.log.warn("email attachment left out", { name: a.filename, error });
      }
    }
  }
  const text =
    args.text.trim() ||
    args.subject.trim() ||
    `Please work on the attached ${files.length === 1 ? "file" : "files"}: ${files.map((f) => f.name).join(", ")}.`;
  await acceptSubmission(
    env,
    { text: clip(text, MAX_TEXT_CHARS), workflow: "analyse", ...args.settings },
    { user: args.user, source: "email", correlationId: args.correlationId, log: args.log, id, files },
  );
  for (const m of args.messages) {
    await env.FILES.put(messageKey(id, m.inboundId), m.raw, { httpMetadata: { contentType: "message/rfc822" } });
  }
  const ids = args.messages.map((m) => m.mail.messageId).filter((m): m is string => Boolean(m));
  const chain = [...new Set([...args.references, ...args.messages.flatMap((m) => m.mail.references), ...ids])];
  await db(env.DB)
    .insert(emailThreads)
    .values({
      submissionId: id,
      rootInboundId: args.rootInboundId,
      subject: args.subject,
      inReplyTo: ids.at(-1) ?? null,
      references: chain.map((r) => `<${r}>`).join(" "),
      createdAt: Date.now(),
    })
    .onConflictDoNothing();
  return { submissionId: id };
}
