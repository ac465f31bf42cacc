/**
 * A request's desk state changed by staff: its assignee, and resolve / reopen. Each change
 * returns what it was and what it became, so the handler that made it can write both to the
 * audit trail; a change to what already is changes nothing and says so (`changed: false`).
 */
import { and, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { type DeskStatus, submissions, users } from "../db/schema";

export interface DeskChange<T> {
  before: T;
  after: T;
  changed: boolean;
}

/** Why a change cannot be made (an unknown request, an assignee who is not staff). */
export class DeskRefused extends Error {}

async function current(d: Db, submissionId: string) {
  const [row] = await d
    .select({ deskStatus: submissions.deskStatus, assigneeId: submissions.assigneeId })
    .from(submissions)
    .where(eq(submissions.id, submissionId))
    .limit(1);
  if (!row) throw new DeskRefused("No such request.");
  return row;
}

/**
 * Assigns the request to `assigneeId` (an active member of staff or admin), or to nobody
 * (`null`). Assigning a `new` request opens it: someone now works on it.
 */
export async function assign(
  d: Db,
  submissionId: string,
  assigneeId: string | null,
  now = Date.now(),
): Promise<DeskChange<string | null>> {
  const row = await current(d, submissionId);
  if (assigneeId !== null) {
    const [member] = await d
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.id, assigneeId), inArray(users.role, ["staff", "admin"]), isNull(users.disabledAt)))
      .limit(1);
    if (!member) throw new DeskRefused("Requests are assigned to members of staff only.");
  }
  if (row.assigneeId === assigneeId) return { before: row.assigneeId, after: assigneeId, changed: false };
  await d
    .update(submissions)
    .set({
      assigneeId,
      ...(assigneeId !== null && row.deskStatus === "new" ? { deskStatus: "open" as const } : {}),
      updatedAt: now,
    })
    .where(eq(submissions.id, submissionId));
  return { before: row.assigneeId, after: assigneeId, changed: true };
}

/** Resolves the request (`resolved`) or reopens it (`open`). */
export async function setDeskStatus(
  d: Db,
  submissionId: string,
  status: Extract<DeskStatus, "resolved" | "open">,
  now = Date.now(),
): Promise<DeskChange<DeskStatus>> {
  const row = await current(d, submissionId);
  if (row.deskStatus === status) return { before: row.deskStatus, after: status, changed: false };
  await d.update(submissions).set({ deskStatus: status, updatedAt: now }).where(eq(submissions.id, submissionId));
  return { before: row.deskStatus, after: status, changed: true };
}

/**
 * The desk status a request takes when its job ends, as an SQL expression over its current one
 * (written with the job's final state, in the same statement). Only a request nobody on staff
 * has touched moves, and only where the outcome says whose turn it is: an answer delivered
 * hands the next word to the customer (`new` → `waiting`); a draft discarded, or a job that
 * failed, needs a person (`new`/`waiting` → `open`). A cancelled job moves nothing.
 */
export function deskStatusWhenDone(status: string, discarded: boolean): SQL | undefined {
  const current = submissions.deskStatus;
  if (status === "completed" && !discarded) return sql`case when ${current} = 'new' then 'waiting' else ${current} end`;
  if (status === "completed" || status === "failed")
    return sql`case when ${current} in ('new', 'waiting') then 'open' else ${current} end`;
  return undefined;
}

/** Active members of staff and admins, by name: whom a request can be assigned to. */
export async function staffMembers(d: Db) {
  return d
    .select({ id: users.id, email: users.email, name: users.name, role: users.role })
    .from(users)
    .where(and(inArray(users.role, ["staff", "admin"]), isNull(users.disabledAt)))
    .orderBy(users.email)
    .limit(500);
}
