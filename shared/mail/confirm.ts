/**
 * Confirming a request sent by email. Its acknowledgement carries a signed link (purpose
 * `email-confirm`, 7 days): only the mailbox that received it holds the token, so following it
 * proves the sender. Confirming claims the pending conversation once (a second claim finds it
 * taken), then starts one request with everything the conversation said so far: the first
 * message and every reply appended before confirmation. The pages around it are the HTTP
 * adapter's (`workers/email/confirm-routes.tsx`).
 */
import { and, asc, eq } from "drizzle-orm";
import { db } from "../db/client";
import { type InboundEmailRow, inboundEmails, type UserRow } from "../db/schema";
import type { Logger } from "../log";
import { issueToken, readToken, signingKey } from "../signing";
import { messageKey } from "../submissions/keys";
import { confirmedCount, unconfirmedCount } from "./analytics/count";
import { createFromConversation } from "./conversation";
import { parseMail } from "./parse";
import { requestSettings, resolveRoute } from "./routes/resolve";

/** How long a confirmation link works; unconfirmed requests expire with it. */
export const CONFIRM_TTL_MS = 7 * 24 * 3600_000;

/** The signed link that confirms conversation `inboundId`. */
export async function confirmLink(env: Env, inboundId: string, now = Date.now()): Promise<string> {
  const token = await issueToken(signingKey(env), "email-confirm", inboundId, CONFIRM_TTL_MS, now);
  return `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/email/confirm/${token}`;
}

/** What a confirmation token names: its conversation's first message, or why there is none. */
export type Confirmation = { status: "ok"; row: InboundEmailRow } | { status: "invalid" | "expired" | "gone" };

/** Reads a confirmation token. Without a signing key nothing can have been signed: `gone`. */
export async function readConfirmation(env: Env, token: string): Promise<Confirmation> {
  const key = signingKey(env);
  if (!key) return { status: "gone" };
  const check = await readToken(key, "email-confirm", token);
  if (check.status !== "ok") return { status: check.status === "expired" ? "expired" : "invalid" };
  const row = await inboundById(env, check.subject);
  return row ? { status: "ok", row } : { status: "gone" };
}

/** An inbound message's record, if it is still kept. */
export async function inboundById(env: Env, id: string): Promise<InboundEmailRow | undefined> {
  const [row] = await db(env.DB).select().from(inboundEmails).where(eq(inboundEmails.id, id)).limit(1);
  return row;
}

/** The replies added to conversation `rootId` while it waits for confirmation, oldest first. */
export async function appendedTo(env: Env, rootId: string): Promise<InboundEmailRow[]> {
  return db(env.DB)
    .select()
    .from(inboundEmails)
    .where(and(eq(inboundEmails.parentId, rootId), eq(inboundEmails.status, "appended")))
    .orderBy(asc(inboundEmails.createdAt));
}

/**
 * Marks a pending conversation accepted; false when it was not pending (confirmed already, or
 * gone). The claim is counted as a confirmation (mail analytics) in the same batch.
 */
export async function claimConfirmation(env: Env, id: string, now: number): Promise<boolean> {
  const d = db(env.DB);
  const [claimed] = await d.batch([
    d
      .update(inboundEmails)
      .set({ status: "accepted", confirmedAt: now })
      .where(and(eq(inboundEmails.id, id), eq(inboundEmails.status, "pending")))
      .returning({ id: inboundEmails.id }),
    confirmedCount(d, id, now),
  ]);
  return claimed.length > 0;
}

/** Gives a claimed conversation back (starting its request failed): its link works again, uncounted. */
export async function releaseConfirmation(env: Env, id: string): Promise<void> {
  const d = db(env.DB);
  await d.batch([
    unconfirmedCount(d, id),
    d.update(inboundEmails).set({ status: "pending", confirmedAt: null }).where(eq(inboundEmails.id, id)),
  ]);
}

/** Ends a claimed conversation whose account may not make requests. */
export async function refuseConfirmation(env: Env, id: string, reason: string): Promise<void> {
  await db(env.DB).update(inboundEmails).set({ status: "rejected", reason }).where(eq(inboundEmails.id, id));
}

/**
 * Starts the request of a claimed conversation for `user`: the first message and the replies
 * appended to it, read back from R2 and parsed again; each record then points at its message's
 * new place with the request (`messageKey`) and the pending copy goes.
 */
export async function startConfirmed(
  env: Env,
  row: InboundEmailRow,
  user: Pick<UserRow, "id" | "email">,
  log: Logger,
): Promise<string> {
  const later = await appendedTo(env, row.id);
  const messages = [];
  const texts: string[] = [];
  for (const m of [row, ...later]) {
    const object = m.rawKey ? await env.FILES.get(m.rawKey) : null;
    if (!object) continue;
    const raw = new Uint8Array(await object.arrayBuffer());
    const mail = await parseMail(raw);
    if (mail.text) texts.push(m === row ? mail.text : `Added later:\n${mail.text}`);
    messages.push({ inboundId: m.id, raw, mail, pendingKey: m.rawKey });
  }
  // The route the first message came by, as it is now (switched off since: the defaults).
  const decision = await resolveRoute(env, row.recipient);
  const { submissionId } = await createFromConversation(env, {
    settings: decision.kind === "route" ? requestSettings(decision.route) : undefined,
    user,
    text: texts.join("\n\n"),
    messages,
    rootInboundId: row.id,
    subject: row.subject,
    references: [],
    correlationId: row.correlationId,
    log,
  });
  const d = db(env.DB);
  for (const m of messages) {
    await d
      .update(inboundEmails)
      .set({ submissionId, userId: user.id, rawKey: messageKey(submissionId, m.inboundId) })
      .where(eq(inboundEmails.id, m.inboundId));
    if (m.pendingKey) await env.FILES.delete(m.pendingKey);
  }
  return submissionId;
}
