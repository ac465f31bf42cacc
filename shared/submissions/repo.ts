import { and, asc, desc, eq, inArray, lt, type SQL, sql } from "drizzle-orm";
import { type Db, insertChunks } from "../db/client";
import {
  isStaff,
  type SubmissionRow,
  type SubmissionStatus,
  type SubmissionStepRow,
  submissionFiles,
  submissionSteps,
  submissions,
  type UserRow,
} from "../db/schema";
import { SUBMISSION_ID_PATTERN } from "../ids";
import { stepsFor } from "../pipeline/workflows";
import { fileRows, type StoredUpload } from "./files";

export interface NewSubmission {
  id: string;
  userId: string | null;
  source: SubmissionRow["source"];
  email: string;
  textChars: number;
  /** The start of the request text, for admin search (`excerptOf`). */
  excerpt?: string | null;
  inputKey: string;
  correlationId: string;
  /** Workflow name (`shared/pipeline/workflows.ts`); default `analyse`. */
  workflow?: string;
  /** Whether the result waits for staff as a draft (`reviewPolicyFor`); default `auto`. */
  reviewPolicy?: "auto" | "review";
  /** Files already in R2; their rows join the batch. */
  files?: StoredUpload[];
  /** Assigned on arrival (a mail route's assignee); default nobody. */
  assigneeId?: string | null;
  now: number;
}

/** Writes the submission, its pending steps and its file rows in one D1 batch: all or nothing. */
export async function insertSubmission(d: Db, s: NewSubmission): Promise<void> {
  await d.batch(submissionInserts(d, s));
}

/** The statements that write a new submission: its row, its steps, its files. */
export function submissionInserts(d: Db, s: NewSubmission) {
  return [
    d.insert(submissions).values({
      id: s.id,
      status: "queued",
      userId: s.userId,
      source: s.source,
      email: s.email,
      textChars: s.textChars,
      excerpt: s.excerpt ?? null,
      inputKey: s.inputKey,
      correlationId: s.correlationId,
      workflow: s.workflow ?? "analyse",
      reviewPolicy: s.reviewPolicy ?? "auto",
      assigneeId: s.assigneeId ?? null,
      lastCustomerAt: s.now,
      lastMessageAt: s.now,
      createdAt: s.now,
      updatedAt: s.now,
    }),
    d.insert(submissionSteps).values(
      stepsFor(s.workflow ?? "analyse", s.reviewPolicy ?? "auto").map((name, position) => ({
        submissionId: s.id,
        name,
        position,
        status: "pending" as const,
      })),
    ),
    // Ten files of nine columns already bind 90 parameters: a larger `UPLOAD_MAX_FILES` needs more statements.
    ...insertChunks(submissionFiles, fileRows(s.id, s.files ?? [], s.now)).map((rows) =>
      d.insert(submissionFiles).values(rows),
    ),
  ] as const;
}

/** How much of a request's text D1 keeps for search (the full text stays in R2). */
export const EXCERPT_CHARS = 300;

/** The start of a request's text, whitespace collapsed: what admin search indexes. */
export const excerptOf = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, EXCERPT_CHARS);

/** Who may see a submission: its owner, or staff (admins included). */
export type Viewer = Pick<UserRow, "id" | "role">;

const visibleTo = (viewer: Viewer | null): SQL | undefined =>
  viewer && !isStaff(viewer.role) ? eq(submissions.userId, viewer.id) : undefined;

/**
 * A submission with its steps, if `viewer` may see it (owner or admin; `null` = internal
 * caller). Someone else's id reads exactly like an unknown one.
 */
export async function findSubmission(
  d: Db,
  id: string,
  viewer: Viewer | null = null,
): Promise<{ submission: SubmissionRow; steps: SubmissionStepRow[] } | null> {
  // A malformed id names nothing: answered like an unknown one, without a query.
  if (!SUBMISSION_ID_PATTERN.test(id)) return null;
  const [rows, steps] = await d.batch([
    d
      .select()
      .from(submissions)
      .where(and(eq(submissions.id, id), visibleTo(viewer)))
      .limit(1),
    d.select().from(submissionSteps).where(eq(submissionSteps.submissionId, id)).orderBy(asc(submissionSteps.position)),
  ]);
  const submission = rows[0];
  return submission ? { submission, steps } : null;
}

/** Submissions not final and untouched since `before`: candidates for a re-drive. */
export async function findStalled(d: Db, before: number, limit: number) {
  return d
    .select({ id: submissions.id, correlationId: submissions.correlationId, status: submissions.status })
    .from(submissions)
    .where(and(inArray(submissions.status, ["queued", "running"]), lt(submissions.updatedAt, before)))
    .orderBy(asc(submissions.updatedAt))
    .limit(limit);
}

/** Marks a submission failed unless it already reached a final state. Returns whether it changed. */
export async function failIfUnfinished(d: Db, id: string, error: string, now: number): Promise<boolean> {
  const changed = await d
    .update(submissions)
    .set({ status: "failed", error, updatedAt: now, completedAt: now })
    .where(and(eq(submissions.id, id), inArray(submissions.status, ["queued", "running"])))
    .returning({ id: submissions.id });
  return changed.length > 0;
}

/**
 * One page of a viewer's submissions, newest first. Ids are time-sorted ULIDs, so the cursor
 * is simply the last id of the previous page: stable under concurrent inserts.
 */
export async function listSubmissions(
  d: Db,
  viewer: Viewer,
  options: { status?: SubmissionStatus; before?: string; limit: number; all?: boolean },
): Promise<SubmissionRow[]> {
  return d
    .select()
    .from(submissions)
    .where(
      and(
        options.all && isStaff(viewer.role) ? undefined : eq(submissions.userId, viewer.id),
        options.status ? eq(submissions.status, options.status) : undefined,
        options.before ? lt(submissions.id, options.before) : undefined,
      ),
    )
    .orderBy(desc(submissions.id))
    .limit(options.limit);
}

/**
 * Whose concurrency budget a submission uses: its owner's address. Submissions are owned by
 * accounts and sent to the account's address, so this is one key per account (and covers
 * the rows from before accounts, which have no user id).
 */
export function ownerKey(s: Pick<SubmissionRow, "email">): string {
  return s.email;
}

/**
 * Admits a queued submission to run if its owner has fewer than `limit` running jobs: one
 * conditional statement, so concurrent jobs of one owner cannot both take the last slot (D1
 * runs statements one at a time). Returns whether the submission is now `running`; a job
 * already admitted earlier (its object restarted) counts as admitted.
 */
export async function claimRunSlot(d: Db, id: string, owner: string, limit: number, now: number): Promise<boolean> {
  const claimed = await d
    .update(submissions)
    .set({ status: "running", updatedAt: now })
    .where(
      and(
        eq(submissions.id, id),
        eq(submissions.status, "queued"),
        sql`(SELECT COUNT(*) FROM submissions AS o WHERE o.email = ${owner} AND o.status = 'running') < ${limit}`,
      ),
    )
    .returning({ id: submissions.id });
  if (claimed.length > 0) return true;
  const [row] = await d.select({ status: submissions.status }).from(submissions).where(eq(submissions.id, id)).limit(1);
  return row?.status === "running";
}
