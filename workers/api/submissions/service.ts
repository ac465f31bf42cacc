import type { SubmissionRow, SubmissionStepRow, UserRow } from "../../../shared/db/schema";
import { newSubmissionId } from "../../../shared/ids";
import type { Logger } from "../../../shared/log";
import type { JobMessage } from "../../../shared/messages";
import { emitWebhookEvent } from "../webhooks/deliver";
import { db, excerptOf, insertSubmission } from "./repo";
import type { CreateSubmissionInput, SubmissionView } from "./schemas";

/** The raw input as kept in R2 at `inputs/<id>.json`: what the pipeline reads. */
export interface StoredInput {
  id: string;
  source: SubmissionRow["source"];
  email: string;
  text: string;
  receivedAt: string;
  correlationId: string;
  /**
   * Files sent with the request, already in R2 (audio to transcribe, documents to read).
   * Written by file intake (issue 7); absent for a text-only request.
   */
  files?: StoredFile[];
}

export interface StoredFile {
  key: string;
  name: string;
  contentType: string;
}

export const inputKey = (id: string) => `inputs/${id}.json`;
export const resultKey = (id: string) => `results/${id}.md`;

/**
 * Accepts a request: raw input to R2, then the submission and its steps in one D1 batch, then
 * the job message. Once the D1 batch commits the request is accepted: if the enqueue fails, the
 * cron re-drive starts the job later, so the caller still gets 202 and nothing is lost.
 */
export async function acceptSubmission(
  env: Env,
  input: CreateSubmissionInput,
  ctx: {
    user: Pick<UserRow, "id" | "email">;
    source: SubmissionRow["source"];
    correlationId: string;
    log: Logger;
    now?: number;
  },
): Promise<{ id: string }> {
  const now = ctx.now ?? Date.now();
  const id = newSubmissionId(now);
  const key = inputKey(id);
  const stored: StoredInput = {
    id,
    source: ctx.source,
    email: ctx.user.email,
    text: input.text,
    receivedAt: new Date(now).toISOString(),
    correlationId: ctx.correlationId,
  };
  await env.FILES.put(key, JSON.stringify(stored), {
    httpMetadata: { contentType: "application/json" },
    customMetadata: { submissionId: id, correlationId: ctx.correlationId },
  });
  try {
    await insertSubmission(db(env.DB), {
      id,
      userId: ctx.user.id,
      source: ctx.source,
      email: ctx.user.email,
      textChars: input.text.length,
      excerpt: excerptOf(input.text),
      inputKey: key,
      correlationId: ctx.correlationId,
      workflow: input.workflow,
      now,
    });
  } catch (error) {
    // Not accepted: leave no orphan input behind.
    await env.FILES.delete(key).catch(() => undefined);
    throw error;
  }
  const message: JobMessage = { kind: "job.start", submissionId: id, correlationId: ctx.correlationId };
  try {
    await env.JOBS.send(message);
  } catch (error) {
    ctx.log.error("enqueue failed; the scheduled re-drive will start the job", { submissionId: id, error });
  }
  try {
    await emitWebhookEvent(env, ctx.user.id, "submission.created", {
      id,
      status: "queued",
      source: ctx.source,
      createdAt: new Date(now).toISOString(),
    });
  } catch (error) {
    // The submission is accepted; a lost "created" event must not turn that into an error.
    ctx.log.error("could not queue webhook event", { submissionId: id, error });
  }
  ctx.log.info("submission accepted", { submissionId: id, source: ctx.source, textChars: input.text.length });
  return { id };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The API view of a submission: D1 rows plus the result document from R2. */
export async function toView(
  env: Env,
  { submission: s, steps }: { submission: SubmissionRow; steps: SubmissionStepRow[] },
): Promise<SubmissionView> {
  const object = s.resultKey ? await env.FILES.get(s.resultKey) : null;
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
    result: object ? { format: "markdown", markdown: await object.text(), provider: s.aiProvider } : null,
    requestId: s.correlationId,
    createdAt: new Date(s.createdAt).toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
    completedAt: iso(s.completedAt),
  };
}
