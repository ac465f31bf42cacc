/**
 * Telling staff that a customer's request arrived (`staff.new_request`), by whichever intake
 * it came (API, portal, confirmed email), or that its AI draft waits for review
 * (`staff.draft_ready`, to staff: admins get the reviewers' mail with its one-click links):
 * every active, verified member of staff (and admin, for a new request)
 * other than the request's own sender is told on the channels they chose, through the engine
 * (preferences, suppression, quotas and the delivery log apply as to any event). Each member's
 * deliveries have their own deterministic ids, so a redelivered message tells nobody twice.
 *
 * A customer's later message in the thread (`staff.customer_replied`) goes to the request's
 * assignee when it has an active one — the person working on it — else to staff as a new
 * request does. Its deliveries are per message, so each answer is told once.
 */
import { and, eq, inArray, isNotNull, isNull, ne } from "drizzle-orm";
import { db } from "../db/client";
import { submissions, users } from "../db/schema";
import type { Logger } from "../log";
import { notifyEvent } from "./deliver";

/** The most staff one request is announced to (the rest are told by the desk's inbox). */
export const MAX_STAFF_TOLD = 200;

/** What staff are told of a request, and which roles hear it (default: a new request, staff and admins). */
export interface StaffNotice {
  event: "staff.new_request" | "staff.draft_ready";
  roles: readonly ("staff" | "admin")[];
}
const NEW_REQUEST: StaffNotice = { event: "staff.new_request", roles: ["staff", "admin"] };

/** Tells every member of staff about submission `submissionId`; returns how many deliveries were queued. */
export async function tellStaff(
  env: Env,
  submissionId: string,
  correlationId: string,
  log: Logger,
  notice: StaffNotice = NEW_REQUEST,
): Promise<number> {
  const [s] = await db(env.DB)
    .select({ userId: submissions.userId })
    .from(submissions)
    .where(eq(submissions.id, submissionId))
    .limit(1);
  if (!s) return 0;
  const staff = await staffToTell(env, s.userId, notice.roles);
  let queued = 0;
  for (const member of staff) {
    const out = await notifyEvent(env, {
      event: notice.event,
      subject: { kind: "staff", userId: member.id, submissionId },
      correlationId,
      log,
    });
    queued += out.length;
  }
  log.info("staff told of a request", { event: notice.event, submissionId, staff: staff.length, deliveries: queued });
  return queued;
}

/**
 * Tells the assignee of `submissionId` (else every member of staff) that its customer wrote
 * message `messageId`; returns how many deliveries were queued.
 */
export async function tellOfCustomerMessage(
  env: Env,
  submissionId: string,
  messageId: string,
  correlationId: string,
  log: Logger,
): Promise<number> {
  const d = db(env.DB);
  const [s] = await d
    .select({ userId: submissions.userId, assigneeId: submissions.assigneeId })
    .from(submissions)
    .where(eq(submissions.id, submissionId))
    .limit(1);
  if (!s) return 0;
  const [assignee] = s.assigneeId
    ? await d
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.id, s.assigneeId), inArray(users.role, ["staff", "admin"]), isNull(users.disabledAt)))
        .limit(1)
    : [];
  const told = assignee ? [assignee] : await staffToTell(env, s.userId);
  let queued = 0;
  for (const member of told) {
    const out = await notifyEvent(env, {
      event: "staff.customer_replied",
      subject: { kind: "staff", userId: member.id, submissionId, messageId },
      correlationId,
      log,
    });
    queued += out.length;
  }
  log.info("staff told of a customer message", { submissionId, assigned: Boolean(assignee), deliveries: queued });
  return queued;
}

/** Active, verified members of `roles` (default: staff and admins) other than the request's own sender. */
async function staffToTell(env: Env, customerId: string | null, roles: StaffNotice["roles"] = NEW_REQUEST.roles) {
  return db(env.DB)
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        inArray(users.role, [...roles]),
        isNull(users.disabledAt),
        isNotNull(users.emailVerifiedAt),
        ...(customerId ? [ne(users.id, customerId)] : []),
      ),
    )
    .limit(MAX_STAFF_TOLD);
}
