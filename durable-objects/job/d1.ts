/**
 * What the job reads from and writes to D1, the shared database: the submission it starts
 * from, the mirror of its state (so lists never wake the object), the composed result, and
 * the accounting of every provider call.
 */
import { and, eq } from "drizzle-orm";
import type { CallRecord } from "../../shared/ai";
import { db } from "../../shared/db/client";
import { aiUsage, type SubmissionRow, submissionSteps, submissions } from "../../shared/db/schema";
import { deskStatusWhenDone } from "../../shared/desk/state";
import type { Logger } from "../../shared/log";
import type { ComposedResult } from "../../shared/pipeline/steps/context";
import type { StepName } from "../../shared/pipeline/workflows";
import { resultKey } from "../../shared/submissions/keys";
import type { JobRow, StepRow } from "./schema";

/** The submission a job is created from, or null when D1 has none. */
export async function loadSubmission(env: Env, id: string): Promise<SubmissionRow | null> {
  const [row] = await db(env.DB).select().from(submissions).where(eq(submissions.id, id)).limit(1);
  return row ?? null;
}

/** Writes the job's status and the given steps to D1 in one batch (idempotent). */
export async function mirror(env: Env, job: JobRow, steps: StepRow[]): Promise<void> {
  const d = db(env.DB);
  await d.batch([
    d
      .update(submissions)
      .set({
        status: job.status,
        error: job.error,
        updatedAt: Date.now(),
        completedAt: job.completed_at,
        deskStatus: deskStatusWhenDone(job.status, job.review_decision === "discard"),
      })
      .where(eq(submissions.id, job.id)),
    ...steps.map((s) =>
      d
        .update(submissionSteps)
        .set({
          status: s.status,
          attempts: s.attempts,
          provider: s.provider,
          error: s.error,
          startedAt: s.started_at,
          finishedAt: s.finished_at,
        })
        .where(and(eq(submissionSteps.submissionId, job.id), eq(submissionSteps.name, s.name))),
    ),
  ]);
}

/** Records the composed result on the submission: its R2 key, summary, provider and sources. */
export async function recordResult(env: Env, id: string, result: ComposedResult): Promise<void> {
  await db(env.DB)
    .update(submissions)
    .set({
      resultKey: result.key,
      summary: result.summary,
      aiProvider: result.provider,
      sources: JSON.stringify(result.sources),
      updatedAt: Date.now(),
    })
    .where(eq(submissions.id, id));
}

/** Removes a discarded draft: the result object and the columns that describe it. */
export async function discardResult(env: Env, id: string): Promise<void> {
  await env.FILES.delete(resultKey(id));
  await db(env.DB)
    .update(submissions)
    .set({ resultKey: null, summary: null, sources: null, updatedAt: Date.now() })
    .where(eq(submissions.id, id));
}

/** Every provider call of a step, for accounting; a failure to record never fails the step. */
export async function recordUsage(
  env: Env,
  submissionId: string,
  step: StepName,
  calls: CallRecord[],
  log: Logger,
): Promise<void> {
  if (calls.length === 0) return;
  try {
    await db(env.DB)
      .insert(aiUsage)
      .values(
        calls.map((c) => ({
          submissionId,
          step,
          operation: c.operation,
          provider: c.provider,
          model: c.model,
          inputTokens: c.usage.inputTokens ?? null,
          outputTokens: c.usage.outputTokens ?? null,
          audioSeconds: c.usage.audioSeconds === undefined ? null : Math.round(c.usage.audioSeconds),
          latencyMs: c.latencyMs,
          ok: c.ok,
          error: c.error,
          createdAt: Date.now(),
        })),
      );
  } catch (error) {
    log.warn("could not record AI usage", { step, error });
  }
}
