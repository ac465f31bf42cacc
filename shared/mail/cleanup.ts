/**
 * What inbound mail leaves behind, removed on time: unconfirmed requests expire with their
 * confirmation links (their raw messages go), every inbound record and forward-log entry goes
 * after the retention period, the sent log after `SENT_EMAIL_DAYS`, mail analytics' counters
 * older than `MAIL_STATS_DAYS` fold into one row each, and deleting an account
 * removes its conversations, anything still pending from its address, the log of our mail to
 * it and the log of forwards of its mail.
 */
import { and, eq, inArray, isNotNull, lt, or } from "drizzle-orm";
import { chunks, db, idsPerStatement } from "../db/client";
import { emailThreads, inboundEmails, mailForwards, sentEmails, submissions } from "../db/schema";
import { createLogger } from "../log";
import { deleteObjects } from "../submissions/storage";
import { foldOldStats } from "./analytics/count";
import { CONFIRM_TTL_MS } from "./confirm";
import { pruneSentLog } from "./sent-log";

const DAY = 86_400_000;
/** Rows removed per statement: their ids are bound parameters, and D1 allows 100 a statement. */
const PAGE = 100;

/** The daily sweep: expire unconfirmed requests, drop records past retention. */
export async function sweepInbound(
  env: Env,
  now = Date.now(),
): Promise<{ expired: number; removed: number; sentRemoved: number }> {
  const d = db(env.DB);
  const log = createLogger({ correlationId: `inbound-sweep-${now}`, component: "email" });
  const stale = await d
    .update(inboundEmails)
    .set({ status: "expired" })
    .where(
      and(inArray(inboundEmails.status, ["pending", "appended"]), lt(inboundEmails.createdAt, now - CONFIRM_TTL_MS)),
    )
    .returning({ rawKey: inboundEmails.rawKey });
  await deleteObjects(
    env.FILES,
    stale.map((s) => s.rawKey).filter((k): k is string => Boolean(k)),
  );
  const days = Number(env.RETENTION_DAYS) > 0 ? Number(env.RETENTION_DAYS) : 30;
  let removed = 0;
  for (;;) {
    const old = await d
      .select({ id: inboundEmails.id, rawKey: inboundEmails.rawKey })
      .from(inboundEmails)
      .where(lt(inboundEmails.createdAt, now - days * DAY))
      .limit(PAGE);
    if (old.length === 0) break;
    await deleteObjects(
      env.FILES,
      old.map((o) => o.rawKey).filter((k): k is string => Boolean(k)),
    );
    // A page is more ids than one statement may bind (100 on D1): one statement per chunk.
    const [first, ...rest] = chunks(
      old.map((o) => o.id),
      idsPerStatement(),
    ).map((ids) => d.delete(inboundEmails).where(inArray(inboundEmails.id, ids)));
    if (first) await d.batch([first, ...rest]);
    removed += old.length;
    if (old.length < PAGE) break;
  }
  const sentRemoved = await pruneSentLog(env, now);
  // The forward log names senders: it goes with the mail it logged.
  await d.delete(mailForwards).where(lt(mailForwards.createdAt, now - days * DAY));
  // Mail analytics' counters name no sender; old days fold into one row each, so totals stay.
  await foldOldStats(env.DB, now);
  if (stale.length || removed || sentRemoved) {
    log.info("inbound mail swept", { expired: stale.length, removed, sentRemoved });
  }
  return { expired: stale.length, removed, sentRemoved };
}

/** Account deletion: the account's conversations and whatever its address left pending. */
export async function deleteInboundOf(env: Env, user: { id: string; email: string }) {
  const d = db(env.DB);
  const mine = or(eq(inboundEmails.userId, user.id), eq(inboundEmails.sender, user.email));
  const raws = await d
    .select({ rawKey: inboundEmails.rawKey })
    .from(inboundEmails)
    .where(and(mine, isNotNull(inboundEmails.rawKey)));
  await deleteObjects(
    env.FILES,
    raws.map((r) => r.rawKey).filter((k): k is string => Boolean(k)),
  );
  await d.batch([
    d.delete(inboundEmails).where(mine),
    // Which of our messages went to the address: nothing to keep once its account is gone.
    d.delete(sentEmails).where(eq(sentEmails.recipient, user.email.toLowerCase())),
    d.delete(mailForwards).where(eq(mailForwards.sender, user.email.toLowerCase())),
    // By a subquery on the owner, not a list of ids: D1 binds at most 100 parameters a statement.
    d
      .delete(emailThreads)
      .where(
        inArray(
          emailThreads.submissionId,
          d.select({ id: submissions.id }).from(submissions).where(eq(submissions.userId, user.id)),
        ),
      ),
  ]);
}
