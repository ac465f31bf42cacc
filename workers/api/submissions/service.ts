import { db } from "../../../shared/db/client";
import type { SubmissionRow, SubmissionStepRow } from "../../../shared/db/schema";
import { listSubmissionFiles } from "../../../shared/submissions/files";
import type { SubmissionView } from "./schemas";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The API view of a submission: D1 rows plus the result document from R2. */
export async function toView(
  env: Env,
  { submission: s, steps }: { submission: SubmissionRow; steps: SubmissionStepRow[] },
): Promise<SubmissionView> {
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
    requestId: s.correlationId,
    createdAt: new Date(s.createdAt).toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
    completedAt: iso(s.completedAt),
  };
}
