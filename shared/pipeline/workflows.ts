/**
 * Workflows are data: a named list of steps. The job coordinator runs the list in order, each
 * step through its runner in the registry next to this file (`steps/index.ts`), so a new
 * workflow is a new entry here, not a new code path. Each step kind has its own retry and
 * timeout policy; `STEP_TIMEOUT_MS` / `STEP_MAX_ATTEMPTS` / `STEP_RETRY_BASE_MS` override them
 * (tests and small deployments).
 */

/** Every step kind the coordinator knows how to run. */
export const STEP_KINDS = [
  "gather",
  "transcribe",
  "extract",
  "retrieve",
  "analyse",
  "compose",
  "review",
  "notify",
] as const;
export type StepName = (typeof STEP_KINDS)[number];

export const WORKFLOWS = {
  /** The default: everything the person sent, answered from our site's passages (`retrieve`). */
  analyse: ["gather", "transcribe", "extract", "retrieve", "analyse", "compose", "notify"],
  /** Audio in, transcript out: no model analysis. */
  transcribe: ["gather", "transcribe", "compose", "notify"],
  /** As `analyse`, but the result waits at `review` until an admin approves (or rejects) it. */
  reviewed: ["gather", "transcribe", "extract", "retrieve", "analyse", "compose", "review", "notify"],
} as const satisfies Record<string, readonly StepName[]>;

export type WorkflowName = keyof typeof WORKFLOWS;
export const WORKFLOW_NAMES = Object.keys(WORKFLOWS) as [WorkflowName, ...WorkflowName[]];
export const DEFAULT_WORKFLOW: WorkflowName = "analyse";

/** The steps of the named workflow, in order; an unknown name runs the default's. */
export function stepsOf(workflow: string): readonly StepName[] {
  return (WORKFLOWS as Record<string, readonly StepName[]>)[workflow] ?? WORKFLOWS.analyse;
}

/**
 * Whether `workflow`'s result waits for staff as a draft (`review`) or goes to the customer when
 * the job completes (`auto`). A workflow with its own `review` step always waits; any other is
 * `review` when it is listed in `REVIEW_WORKFLOWS` (comma-separated names), else `auto`.
 */
export function reviewPolicyFor(workflow: string, env: { REVIEW_WORKFLOWS?: string }): "auto" | "review" {
  if (stepsOf(workflow).includes("review")) return "review";
  const listed = (env.REVIEW_WORKFLOWS ?? "")
    .split(",")
    .map((w) => w.trim())
    .filter(Boolean);
  return listed.includes(workflow) ? "review" : "auto";
}

/**
 * The steps a job of `workflow` runs under its review policy: under `review`, the result waits
 * at a `review` step before `notify` (the workflow's own, or one put there).
 */
export function stepsFor(workflow: string, policy: "auto" | "review"): readonly StepName[] {
  const steps = stepsOf(workflow);
  if (policy === "auto" || steps.includes("review")) return steps;
  const at = steps.indexOf("notify");
  return at < 0 ? [...steps, "review"] : [...steps.slice(0, at), "review", ...steps.slice(at)];
}

export interface StepPolicy {
  /** Longest one attempt may run before it is aborted and counted as a (retryable) failure. */
  timeoutMs: number;
  maxAttempts: number;
  /** First retry delay; doubled per attempt, with jitter. */
  retryBaseMs: number;
}

/**
 * Defaults per kind: model calls are slow and flaky, storage steps quick. Transcription gets
 * the longest timeout because one step may carry several audio chunks.
 */
const POLICIES: Record<StepName, StepPolicy> = {
  gather: { timeoutMs: 30_000, maxAttempts: 4, retryBaseMs: 1_000 },
  transcribe: { timeoutMs: 300_000, maxAttempts: 4, retryBaseMs: 2_000 },
  extract: { timeoutMs: 60_000, maxAttempts: 3, retryBaseMs: 1_000 },
  // Reading D1 (and, on the first job after a deploy, ingesting the build): quick, and safe to redo.
  retrieve: { timeoutMs: 30_000, maxAttempts: 3, retryBaseMs: 1_000 },
  analyse: { timeoutMs: 120_000, maxAttempts: 4, retryBaseMs: 2_000 },
  compose: { timeoutMs: 30_000, maxAttempts: 4, retryBaseMs: 1_000 },
  // Waiting for the reviewer is not an attempt: only recording the decision runs as one.
  review: { timeoutMs: 30_000, maxAttempts: 4, retryBaseMs: 1_000 },
  notify: { timeoutMs: 60_000, maxAttempts: 6, retryBaseMs: 2_000 },
};

export interface PolicyOverrides {
  STEP_TIMEOUT_MS?: string;
  STEP_MAX_ATTEMPTS?: string;
  STEP_RETRY_BASE_MS?: string;
}

/** A step's policy, with any configured overrides applied. */
export function policyFor(step: StepName, env: PolicyOverrides): StepPolicy {
  const base = POLICIES[step];
  const num = (v: string | undefined) => (v === undefined || v === "" ? Number.NaN : Number(v));
  const timeout = num(env.STEP_TIMEOUT_MS);
  const attempts = num(env.STEP_MAX_ATTEMPTS);
  const retryBase = num(env.STEP_RETRY_BASE_MS);
  return {
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : base.timeoutMs,
    maxAttempts: Number.isFinite(attempts) && attempts >= 1 ? attempts : base.maxAttempts,
    retryBaseMs: Number.isFinite(retryBase) && retryBase >= 0 ? retryBase : base.retryBaseMs,
  };
}

/** The limits of a whole job, with any configured overrides applied. */
export interface JobPolicy {
  /** How long a job may take from start (or retry, or review decision) to its final state. */
  deadlineMs: number;
  /** How many of one owner's jobs run at once; the rest wait for a slot. */
  maxRunningPerOwner: number;
}

/** The job limits: `JOB_DEADLINE_MS` (default 30 minutes) and `MAX_RUNNING_PER_OWNER` (default 3). */
export function jobPolicy(env: { JOB_DEADLINE_MS?: string; MAX_RUNNING_PER_OWNER?: string }): JobPolicy {
  return {
    deadlineMs: Math.max(1_000, Number(env.JOB_DEADLINE_MS) || 30 * 60_000),
    maxRunningPerOwner: Math.max(1, Number(env.MAX_RUNNING_PER_OWNER) || 3),
  };
}
