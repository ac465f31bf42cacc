/**
 * What outgoing mail about a request that came by email must carry to land in the sender's
 * thread: `Re:` their subject, `In-Reply-To` their last message, `References` the chain, and
 * the signed `Reply-To` that threads their next reply. Null for requests from the API or the
 * portal, whose mail starts its own thread.
 */
import { threadAddress } from "./address";
import { threadOf } from "./confirm-service";
import { replySubject } from "./outbound";
import { MAX_INLINE_RESULT_BYTES, resultLink } from "./result-link";

export interface EmailThread {
  subject: string;
  inReplyTo: string | null;
  references: string[];
  replyTo: string;
}

export async function emailThreadFor(env: Env, submissionId: string): Promise<EmailThread | null> {
  const thread = await threadOf(env, submissionId);
  if (!thread) return null;
  return {
    subject: replySubject(thread.subject),
    inReplyTo: thread.inReplyTo,
    references: thread.references.match(/<[^<>\s]+>/g)?.map((r) => r.slice(1, -1)) ?? [],
    replyTo: await threadAddress(env, thread.rootInboundId),
  };
}

/**
 * The result as it goes into an email: whole when it fits, else its opening and a signed,
 * expiring link to the whole of it (`/email/result/<token>`), so no mail grows past what
 * mailboxes accept.
 */
export async function resultForMail(env: Env, submissionId: string, markdown: string): Promise<string> {
  const bytes = new TextEncoder().encode(markdown).byteLength;
  if (bytes <= MAX_INLINE_RESULT_BYTES) return markdown;
  const opening = markdown.slice(0, 4_000).replace(/\n[^\n]*$/, "");
  return `${opening}\n\n…\n\nThe full result is too large for an email (${Math.round(bytes / 1024)} KB). Read or download it here (the link works for 14 days): ${await resultLink(env, submissionId)}`;
}
