/**
 * The log of Message-IDs we sent, per recipient (`sent_emails`): what makes a bounce or a
 * complaint trustworthy. A delivery report names an address and quotes the original message;
 * anyone can write one, but only a mail server that really received one of our messages can
 * quote its Message-ID — the provider's own (random) id, never one a forger could derive.
 */
import { and, eq, gte, inArray } from "drizzle-orm";
import { db } from "../db/client";
import { sentEmails } from "../db/schema";
import { createLogger } from "../log";
import { sentCount } from "./analytics/count";

/** How long a report about our mail is trusted after we sent it (DSNs arrive within days). */
export const SENT_EMAIL_DAYS = 30;
/** Message-IDs of one report looked up at most: bounds the work a crafted report can cause. */
export const MAX_QUOTED_IDS = 5;
const MAX_ID_CHARS = 250;

const bare = (id: string) => id.trim().replace(/^<|>$/g, "");

/**
 * Records that we sent `messageIds` (one message may be known by ours and the provider's) to
 * `recipient`, and counts the message sent (mail analytics) in the same batch. Never throws:
 * the mail is already sent, and a missing record only means a later bounce of it is not
 * trusted — the safe direction.
 */
export async function recordSent(env: Env, messageIds: (string | null | undefined)[], recipient: string) {
  const ids = [
    ...new Set(messageIds.map((m) => bare(m ?? "")).filter((m) => m.length > 0 && m.length <= MAX_ID_CHARS)),
  ];
  const now = Date.now();
  const d = db(env.DB);
  try {
    const counted = sentCount(d, now);
    if (ids.length === 0) {
      await counted;
      return;
    }
    await d.batch([
      d
        .insert(sentEmails)
        .values(ids.map((messageId) => ({ messageId, recipient: recipient.trim().toLowerCase(), createdAt: now })))
        .onConflictDoNothing(),
      counted,
    ]);
  } catch (error) {
    createLogger({ correlationId: "sent-log", component: "email" }).warn("could not record a sent message id", {
      error,
    });
  }
}

/**
 * The first of `quotedIds` (Message-IDs a report quotes, without brackets) that we sent to
 * `recipient` within `SENT_EMAIL_DAYS`, and when we sent it; null: the report answers no
 * message of ours to them.
 */
export async function sentTo(
  env: Env,
  quotedIds: string[],
  recipient: string,
  now = Date.now(),
): Promise<{ messageId: string; sentAt: number } | null> {
  const ids = [...new Set(quotedIds.map(bare))].filter((m) => m && m.length <= MAX_ID_CHARS).slice(0, MAX_QUOTED_IDS);
  if (ids.length === 0) return null;
  const [row] = await db(env.DB)
    .select({ messageId: sentEmails.messageId, sentAt: sentEmails.createdAt })
    .from(sentEmails)
    .where(
      and(
        inArray(sentEmails.messageId, ids),
        eq(sentEmails.recipient, recipient.trim().toLowerCase()),
        gte(sentEmails.createdAt, now - SENT_EMAIL_DAYS * 86_400_000),
      ),
    )
    .limit(1);
  return row ?? null;
}

/** Drops records past `SENT_EMAIL_DAYS`, in pages (one statement stays small). Returns how many. */
export async function pruneSentLog(env: Env, now = Date.now()): Promise<number> {
  let removed = 0;
  for (;;) {
    const result = await env.DB.prepare(
      "DELETE FROM sent_emails WHERE message_id IN (SELECT message_id FROM sent_emails WHERE created_at < ? LIMIT 500)",
    )
      .bind(now - SENT_EMAIL_DAYS * 86_400_000)
      .run();
    removed += result.meta.changes;
    if (result.meta.changes < 500) return removed;
  }
}
