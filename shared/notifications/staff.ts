/**
 * Telling staff that a customer's request arrived (`staff.new_request`), by whichever intake
 * it came (API, portal, confirmed email): every active, verified member of staff and admin
 * other than the request's own sender is told on the channels they chose, through the engine
 * (preferences, suppression, quotas and the delivery log apply as to any event). Each member's
 * deliveries have their own deterministic ids, so a redelivered message tells nobody twice.
 */
import { and, eq, inArray, isNotNull, isNull, ne } from "drizzle-orm";
import { db } from "../db/client";
import { submissions, users } from "../db/schema";
import type { Logger } from "../log";
import { notifyEvent } from "./deliver";

/** The most staff one request is announced to (the rest are told by the desk's inbox). */
export const MAX_STAFF_TOLD = 200;

/** Tells every member of staff about submission `submissionId`; returns how many deliveries were queued. */
export async function tellStaff(env: Env, submissionId: string, correlationId: string, log: Logger): Promise<number> {
  const d = db(env.DB);
  const [s] = await d
    .select({ userId: submissions.userId })
    .from(submissions)
    .where(eq(submissions.id, submissionId))
    .limit(1);
  if (!s) return 0;
  const staff = await d
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        inArray(users.role, ["staff", "admin"]),
        isNull(users.disabledAt),
        isNotNull(users.emailVerifiedAt),
        ...(s.userId ? [ne(users.id, s.userId)] : []),
      ),
    )
    .limit(MAX_STAFF_TOLD);
  let queued = 0;
  for (const member of staff) {
    const out = await notifyEvent(env, {
      event: "staff.new_request",
      subject: { kind: "staff", userId: member.id, submissionId },
      correlationId,
      log,
    });
    queued += out.length;
  }
  log.info("staff told of a new request", { submissionId, staff: staff.length, deliveries: queued });
  return queued;
}
