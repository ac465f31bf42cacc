/**
 * A request's mail thread, whatever its channel: what every mail about it must carry to land
 * in the customer's conversation — `Re:` its subject, `In-Reply-To` the latest message of the
 * thread (the customer's last mail, or our last one), `References` the chain — and the
 * request's signed `Reply-To` (`requestAddress`), which joins the customer's answer to it.
 *
 * A request that came by email starts with the customer's thread (`email_threads`, written
 * when it was accepted). A portal or API request has none until we first mail about it: that
 * mail's subject and Message-ID start the thread, and every later mail (result, reply) and
 * every mailed answer of the customer continues it (`recordThreadMail`).
 */
import { eq, sql } from "drizzle-orm";
import { db } from "../db/client";
import { emailThreads } from "../db/schema";
import { issueToken, MissingSigningKey, signingKey } from "../signing";
import { requestAddress } from "./address";
import { replySubject } from "./outbound";

export interface EmailThread {
  /** `Re:` the thread's subject; null until a first mail starts the thread (it keeps its own). */
  subject: string | null;
  inReplyTo: string | null;
  references: string[];
  /** The request's signed reply address; null on a deployment without SIGNING_KEY. */
  replyTo: string | null;
}

/** Message-IDs (without brackets) of a stored `References` value. */
const idsOf = (references: string) => references.match(/<[^<>\s]+>/g)?.map((r) => r.slice(1, -1)) ?? [];

/** The thread headers of the next mail about request `submissionId`. */
export async function emailThreadFor(env: Env, submissionId: string): Promise<EmailThread> {
  const thread = await threadOf(env, submissionId);
  let replyTo: string | null = null;
  try {
    replyTo = await requestAddress(env, submissionId);
  } catch (error) {
    if (!(error instanceof MissingSigningKey)) throw error;
  }
  return {
    subject: thread ? replySubject(thread.subject) : null,
    inReplyTo: thread?.inReplyTo ?? null,
    references: thread ? idsOf(thread.references) : [],
    replyTo,
  };
}

/** Characters of `References` kept: the newest ids (mail clients trim long chains too). */
const MAX_REFERENCES_CHARS = 4_000;

/**
 * Adds one mail to request `submissionId`'s thread — ours as sent, or the customer's as
 * received: it becomes the message the next mail answers, and joins the chain. The first mail
 * of a request without a thread starts it with its `subject`. One statement, so two mails
 * recorded at once both join the chain.
 */
export async function recordThreadMail(
  env: Env,
  submissionId: string,
  mail: { messageId: string; subject: string; references?: string[] },
): Promise<void> {
  const id = mail.messageId.replace(/^<|>$/g, "");
  if (!/^[^<>\s]{1,250}$/.test(id)) return;
  const chain = [...new Set([...(mail.references ?? []), id])]
    .filter((r) => /^[^<>\s]{1,250}$/.test(r))
    .map((r) => `<${r}>`)
    .join(" ");
  const added = ` <${id}>`;
  await db(env.DB)
    .insert(emailThreads)
    .values({
      submissionId,
      // A thread our own mail began has no inbound message at its root: the request stands for it.
      rootInboundId: submissionId,
      subject: mail.subject.slice(0, 300),
      inReplyTo: id,
      references: chain,
      createdAt: Date.now(),
    })
    .onConflictDoUpdate({
      target: emailThreads.submissionId,
      set: {
        inReplyTo: id,
        // Appended unless already there; the newest ids kept when the chain grows long.
        references: sql`case when instr(${emailThreads.references}, ${`<${id}>`}) > 0 then ${emailThreads.references}
          else ltrim(substr(${emailThreads.references} || ${added}, -${MAX_REFERENCES_CHARS})) end`,
      },
    });
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
