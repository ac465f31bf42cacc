/**
 * What the API and the portal both do with a submission: show it (`toView`, the API's view of
 * its rows and result; `messageView`, one message of its thread), and control its job — cancel, retry, and the review decision — through
 * the job's Durable Object, recording in the audit trail what took effect. Each caller first
 * checks that the submission is one its viewer may act on, and turns the outcome into its own
 * answer (a JSON body or problem for the API, a redirect with a message for the portal).
 */
import { z } from "@hono/zod-openapi";
import type { ControlResult } from "../../../durable-objects/job-coordinator";
import type { AuditEntry } from "../../../shared/audit";
import { db } from "../../../shared/db/client";
import type { SubmissionMessageRow, SubmissionRow, SubmissionStepRow } from "../../../shared/db/schema";
import type { ReviewDecision } from "../../../shared/review";
import { listSubmissionFiles } from "../../../shared/submissions/files";
import { released } from "../../../shared/submissions/release";
import { SubmissionSource, type SubmissionView, type ThreadMessage } from "./schemas";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A thread message as the API shows it (only customer messages and replies reach here). */
export function messageView(m: SubmissionMessageRow): z.infer<typeof ThreadMessage> {
  let fileIds: string[] = [];
  try {
    fileIds = m.fileIds ? (JSON.parse(m.fileIds) as string[]) : [];
  } catch {
    // an unreadable column is no files rather than a failed answer
  }
  return {
    id: m.id,
    kind: m.kind === "reply" ? "reply" : "customer",
    channel: m.channel,
    body: m.body,
    fileIds,
    createdAt: new Date(m.createdAt).toISOString(),
  };
}

const StoredSources = z.array(SubmissionSource.extend({ n: z.number().int().optional() })).max(50);

/**
 * The sources stored on a submission (`submissions.sources`, JSON), as the view shows them;
 * a missing, unreadable or malformed column is no sources rather than a failed page.
 */
export function sourcesOf(row: Pick<SubmissionRow, "sources">): SubmissionView["sources"] {
  if (!row.sources) return [];
  let json: unknown;
  try {
    json = JSON.parse(row.sources);
  } catch {
    return [];
  }
  const parsed = StoredSources.safeParse(json);
  if (!parsed.success) return [];
  return parsed.data.map(({ title, url, section, locale, score }) => ({ title, url, section, locale, score }));
}

/** The API view of a submission: D1 rows plus the result document from R2. */
export async function toView(
  env: Env,
  { submission, steps }: { submission: SubmissionRow; steps: SubmissionStepRow[] },
): Promise<SubmissionView> {
  // A draft waiting for review is not the customer's yet (`shared/submissions/release.ts`).
  const s = released(submission);
  const [object, files] = await Promise.all([
    s.resultKey ? env.FILES.get(s.resultKey) : null,
    listSubmissionFiles(db(env.DB), s.id),
  ]);
  return {
    id: s.id,
    status: s.status,
    source: s.source,
    textChars: s.textChars,
    summary: s.summary,
    error: s.error,
    workflow: s.workflow,
    steps: steps.map((st) => ({
      name: st.name,
      status: st.status,
      attempts: st.attempts,
      provider: st.provider,
      error: st.error,
      startedAt: iso(st.startedAt),
      finishedAt: iso(st.finishedAt),
    })),
    files: files.map((f) => ({
      id: f.id,
      name: f.name,
      contentType: f.contentType,
      size: f.size,
      sha256: f.sha256,
      links: { download: `/v1/submissions/${s.id}/files/${f.id}` },
    })),
    result: object ? { format: "markdown", markdown: await object.text(), provider: s.aiProvider } : null,
    sources: sourcesOf(s),
    requestId: s.correlationId,
    createdAt: new Date(s.createdAt).toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
    completedAt: iso(s.completedAt),
  };
}

/** What can be done to a submission's job: stop it, run it again, or decide its review. */
export type JobControl = "cancel" | "retry" | ReviewDecision;

/** The audit action of each control, once it took effect. */
const AUDIT_ACTIONS: Record<JobControl, string> = {
  cancel: "submission.cancelled",
  retry: "submission.retried",
  approve: "submission.review_approved",
  reject: "submission.review_rejected",
};

/**
 * Runs `control` on the job of submission `id` (its Durable Object) and, when the outcome is
 * `ok`, records it through `audit`. `not-found` and `conflict` change nothing and are not
 * recorded; the caller maps them to its answer.
 */
export async function controlSubmission(
  env: Env,
  id: string,
  control: JobControl,
  audit: (entry: Pick<AuditEntry, "action" | "targetType" | "targetId">) => Promise<void>,
): Promise<ControlResult> {
  const job = env.JOB_COORDINATOR.getByName(id);
  const result =
    control === "cancel"
      ? await job.cancel(id)
      : control === "retry"
        ? await job.retry(id)
        : await job.review(id, control);
  if (result.outcome === "ok") await audit({ action: AUDIT_ACTIONS[control], targetType: "submission", targetId: id });
  return result;
}

/** Whether the job of submission `id` is waiting for a reviewer's decision. */
export async function awaitsReview(env: Env, id: string): Promise<boolean> {
  return (await env.JOB_COORDINATOR.getByName(id).snapshot())?.review?.status === "waiting";
}
