/**
 * Spam quarantine. A new message whose score reaches the threshold (`spam/score.ts`) is kept
 * raw in R2 (under `pendingRawKey`, where a new conversation keeps it) and recorded
 * `quarantined` with its score and reasons — and nothing else happens: no acknowledgement (a
 * spammer's From is usually someone else's address, so answering it is backscatter), no
 * request. An admin then releases it or deletes it (workers/portal/admin/quarantine.tsx,
 * audited there).
 *
 * Releasing runs the message exactly as if it had just arrived and been judged a person's
 * mail: `startConversation`, the path receive.ts takes for a new conversation, with the same
 * inbound id and dedupe key (so the record keeps its id through the release), the scorer
 * skipped. The quarantined record is claimed by one `DELETE … RETURNING` — of two releases only
 * one gets it, the other is refused and changes nothing — and written back as it was if the
 * conversation cannot start (the acknowledgement cap, an error), so a release never loses the
 * message. Deleting removes the raw message and leaves the record `ignored` (its dedupe key
 * still known, so a redelivery of the same spam is not judged again). Retention is the inbound
 * sweep's (`cleanup.ts`): a quarantined record goes after `RETENTION_DAYS` with its raw message.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import { db } from "../db/client";
import { type InboundEmailRow, inboundEmails } from "../db/schema";
import type { Logger } from "../log";
import { pendingRawKey } from "../submissions/keys";
import { startConversation } from "./new-request";
import { parseMail } from "./parse";
import { type Incoming, type Received, record } from "./received";
import { resolveRoute } from "./routes/resolve";
import type { SpamReason, SpamVerdict } from "./spam/score";

/** The reason kept on a deleted quarantined message's record. */
export const DELETED_REASON = "spam: deleted from quarantine";

/** Keeps a message judged spam, unanswered. */
export async function quarantine(ctx: Received, incoming: Incoming, verdict: SpamVerdict): Promise<null> {
  const rawKey = pendingRawKey(ctx.id);
  await ctx.env.FILES.put(rawKey, incoming.raw, {
    httpMetadata: { contentType: "message/rfc822" },
    customMetadata: { inboundId: ctx.id, correlationId: ctx.correlationId },
  });
  const inserted = await record(ctx, incoming, {
    status: "quarantined",
    reason: `spam score ${verdict.score} (threshold ${verdict.threshold})`,
    rawKey,
    spamScore: verdict.score,
    spamReasons: JSON.stringify(verdict.reasons),
  });
  // The same message arrived twice at once; the other delivery keeps it.
  if (!inserted) await ctx.env.FILES.delete(rawKey);
  else ctx.log.info("inbound email quarantined", { score: verdict.score, rules: verdict.reasons.map((r) => r.rule) });
  return null;
}

/** A quarantined message as the admin page lists it. */
export type QuarantinedMail = Pick<
  InboundEmailRow,
  "id" | "sender" | "recipient" | "subject" | "rawSize" | "createdAt" | "spamScore"
> & { reasons: SpamReason[] };

/** The reasons stored with a message; an unreadable value reads as none. */
export function storedReasons(value: string | null): SpamReason[] {
  try {
    const parsed: unknown = JSON.parse(value ?? "[]");
    return Array.isArray(parsed) ? (parsed as SpamReason[]) : [];
  } catch {
    return [];
  }
}

/** The messages in quarantine, newest first, and how many there are in all. */
export async function listQuarantine(env: Env, limit = 100): Promise<{ rows: QuarantinedMail[]; total: number }> {
  const d = db(env.DB);
  const quarantined = eq(inboundEmails.status, "quarantined");
  const [rows, [count]] = await Promise.all([
    d.select().from(inboundEmails).where(quarantined).orderBy(desc(inboundEmails.createdAt)).limit(limit),
    d.select({ n: sql<number>`count(*)` }).from(inboundEmails).where(quarantined),
  ]);
  return {
    rows: rows.map((r) => ({
      id: r.id,
      sender: r.sender,
      recipient: r.recipient,
      subject: r.subject,
      rawSize: r.rawSize,
      createdAt: r.createdAt,
      spamScore: r.spamScore,
      reasons: storedReasons(r.spamReasons),
    })),
    total: count?.n ?? 0,
  };
}

/** Why a message cannot be released or deleted: it is not (or no longer) in quarantine. */
export interface NotInQuarantine {
  status: "refused";
  detail: string;
}

/** What releasing did: the status the message took, or why it stayed in quarantine. */
export type Release =
  | { status: "released"; outcome: InboundEmailRow["status"] | "duplicate"; reason: string | null }
  | { status: "held"; detail: string }
  | NotInQuarantine;

async function notInQuarantine(env: Env, id: string): Promise<NotInQuarantine> {
  const [row] = await db(env.DB).select().from(inboundEmails).where(eq(inboundEmails.id, id)).limit(1);
  const detail = !row
    ? "There is no such message in quarantine."
    : row.releasedAt
      ? "This message was already released from quarantine."
      : row.reason === DELETED_REASON
        ? "This message was deleted from quarantine."
        : "This message is not in quarantine.";
  return { status: "refused", detail };
}

/** Puts a claimed record back exactly as it was. */
async function restore(env: Env, row: InboundEmailRow): Promise<void> {
  const { id, ...rest } = row;
  await db(env.DB).insert(inboundEmails).values(row).onConflictDoUpdate({ target: inboundEmails.id, set: rest });
}

/** Releases a quarantined message: it runs as if just received, the scorer skipped. */
export async function releaseQuarantined(env: Env, id: string, log: Logger, now = Date.now()): Promise<Release> {
  const d = db(env.DB);
  const [row] = await d
    .delete(inboundEmails)
    .where(and(eq(inboundEmails.id, id), eq(inboundEmails.status, "quarantined")))
    .returning();
  if (!row) return notInQuarantine(env, id);
  const object = row.rawKey ? await env.FILES.get(row.rawKey) : null;
  if (!object) {
    await restore(env, row);
    return { status: "held", detail: "The raw message is missing from storage; it cannot be released." };
  }
  const raw = new Uint8Array(await object.arrayBuffer());
  const ctx: Received = {
    env,
    // The SMTP session it came in is long gone: no `reply()`, so answers go out through
    // `send_email` (an empty envelope sender never equals the answer's recipient).
    message: {
      from: "",
      to: row.recipient,
      raw: new Response(raw).body as ReadableStream<Uint8Array>,
      rawSize: row.rawSize,
      reply: () => Promise.reject(new Error("a released message has no SMTP session to reply in")),
      // Nor to forward in: forwarding rules ran when it arrived, before it was quarantined.
      forward: () => Promise.reject(new Error("a released message has no SMTP session to forward in")),
    },
    log,
    correlationId: row.correlationId,
    id: row.id,
    now,
    // Counted as released where it arrived, not as arriving again (mail analytics).
    address: row.address ?? undefined,
    released: true,
  };
  let refusal: { refuse: string } | null;
  try {
    const mail = await parseMail(raw);
    // The route of the address it was sent to, as it stands now (as at confirmation).
    const route = await resolveRoute(env, row.recipient);
    refusal = await startConversation(
      ctx,
      { dedupeKey: row.dedupeKey, mail, raw, sender: row.sender },
      route.kind === "route" ? route.route : undefined,
    );
  } catch (error) {
    await restore(env, row);
    throw error;
  }
  if (refusal) {
    await restore(env, row);
    return { status: "held", detail: refusal.refuse };
  }
  const [after] = await d
    .update(inboundEmails)
    .set({ spamScore: row.spamScore, spamReasons: row.spamReasons, releasedAt: now })
    .where(eq(inboundEmails.id, id))
    .returning();
  // Not kept by the conversation (ignored: the sender has too many waiting): the copy goes.
  if (!after?.rawKey && row.rawKey) await env.FILES.delete(row.rawKey);
  log.info("quarantined email released", { inboundId: id, outcome: after?.status ?? "duplicate" });
  return { status: "released", outcome: after?.status ?? "duplicate", reason: after?.reason ?? null };
}

/** Deletes a quarantined message: its raw copy goes, its record stays `ignored`. */
export async function deleteQuarantined(
  env: Env,
  id: string,
): Promise<{ status: "deleted"; score: number | null } | NotInQuarantine> {
  const [row] = await db(env.DB)
    .update(inboundEmails)
    .set({ status: "ignored", reason: DELETED_REASON, rawKey: null })
    .where(and(eq(inboundEmails.id, id), eq(inboundEmails.status, "quarantined")))
    .returning({ score: inboundEmails.spamScore });
  if (!row) return notInQuarantine(env, id);
  // Where `quarantine` keeps it, whatever the record said.
  await env.FILES.delete(pendingRawKey(id));
  return { status: "deleted", score: row.score };
}
