/**
 * The queries of the retention sweep. Only finished work expires: a queued or running
 * submission is still owed an answer, and a pinned one is kept until unpinned.
 */
import { and, asc, eq, inArray, lt } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { aiUsage, notifications, submissionSteps, submissions, TERMINAL_STATUSES } from "../../shared/db/schema";

type Db = DrizzleD1Database;

/** Finished, unpinned submissions created before `cutoff`, oldest first. */
export async function findExpired(d: Db, cutoff: number, limit: number) {
  return d
    .select({ id: submissions.id })
    .from(submissions)
    .where(
      and(inArray(submissions.status, TERMINAL_STATUSES), eq(submissions.pinned, 0), lt(submissions.createdAt, cutoff)),
    )
    .orderBy(asc(submissions.createdAt))
    .limit(limit);
}

/**
 * Deletes the given submissions with their steps and delivery log, in one batch, re-checking
 * the pin and the state so that a submission pinned since `findExpired` survives. Returns the
 * rows actually removed, for the caller to delete their objects after the rows are gone.
 */
export async function deleteSubmissions(
  d: Db,
  ids: string[],
): Promise<{ id: string; inputKey: string; resultKey: string | null }[]> {
  if (ids.length === 0) return [];
  const doomed = and(
    inArray(submissions.id, ids),
    eq(submissions.pinned, 0),
    inArray(submissions.status, TERMINAL_STATUSES),
  );
  const stillDoomed = d.select({ id: submissions.id }).from(submissions).where(doomed);
  const [, , , removed] = await d.batch([
    d.delete(aiUsage).where(inArray(aiUsage.submissionId, stillDoomed)),
    d.delete(notifications).where(inArray(notifications.submissionId, stillDoomed)),
    d.delete(submissionSteps).where(inArray(submissionSteps.submissionId, stillDoomed)),
    d
      .delete(submissions)
      .where(doomed)
      .returning({ id: submissions.id, inputKey: submissions.inputKey, resultKey: submissions.resultKey }),
  ]);
  return removed;
}
