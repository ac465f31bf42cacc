/**
 * What outgoing mail about a request that came by email must carry to land in the sender's
 * thread: `Re:` their subject, `In-Reply-To` their last message, `References` the chain, and
 * the signed `Reply-To` that threads their next reply. Null for requests from the API or the
 * portal, whose mail starts its own thread.
 */
import { eq } from "drizzle-orm";
import { db } from "../db/client";
import { emailThreads } from "../db/schema";
import { issueToken, signingKey } from "../signing";
import { threadAddress } from "./address";
import { replySubject } from "./outbound";

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

/** The thread a submission's mail belongs to, if it came by email. */
export async function threadOf(env: Env, submissionId: string) {
  const [row] = await db(env.DB)
    .select()
    .from(emailThreads)
    .where(eq(emailThreads.submissionId, submissionId))
    .limit(1);
  return row ?? null;
}

export const RESULT_LINK_TTL_MS = 14 * 24 * 3600_000;
/** Results larger than this (UTF-8 bytes of markdown) are mailed as a link, not inline. */
export const MAX_INLINE_RESULT_BYTES = 100 * 1024;

export async function resultLink(env: Env, submissionId: string, now = Date.now()): Promise<string> {
  const token = await issueToken(signingKey(env), "download", submissionId, RESULT_LINK_TTL_MS, now);
  return `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/email/result/${token}`;
}
