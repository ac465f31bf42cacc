/**
 * The job's state as its callers see it: the shape every RPC answers with, that watchers
 * receive on each change, and that the API renders. Built from the SQLite rows; never stored.
 */
import type { StepStatus, SubmissionStatus } from "../../shared/db/schema";
import type { StepName } from "../../shared/pipeline/workflows";
import type { JobRow, StepRow } from "./schema";

export interface StepSnapshot {
  name: StepName;
  status: StepStatus;
  attempts: number;
  provider: string | null;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  nextAttemptAt: number | null;
}

export interface JobSnapshot {
  submissionId: string;
  status: SubmissionStatus;
  workflow: string;
  error: string | null;
  deadlineAt: number | null;
  /** Present once a `reviewed` workflow reaches its review step. */
  review: {
    status: "waiting" | "approved" | "rejected" | "discarded";
    requestedAt: number;
    decidedAt: number | null;
  } | null;
  steps: StepSnapshot[];
}

const DECIDED = { approve: "approved", reject: "rejected", discard: "discarded" } as const;

/** The snapshot of a job and its steps. */
export function snapshotOf(job: JobRow, steps: StepRow[]): JobSnapshot {
  return {
    submissionId: job.id,
    status: job.status,
    workflow: job.workflow,
    error: job.error,
    deadlineAt: job.deadline_at,
    review:
      job.review_requested_at === null
        ? null
        : {
            status: job.review_decision === null ? "waiting" : DECIDED[job.review_decision],
            requestedAt: job.review_requested_at,
            decidedAt: job.reviewed_at,
          },
    steps: steps.map((s) => ({
      name: s.name,
      status: s.status,
      attempts: s.attempts,
      provider: s.provider,
      error: s.error,
      startedAt: s.started_at,
      finishedAt: s.finished_at,
      nextAttemptAt: s.next_attempt_at,
    })),
  };
}
