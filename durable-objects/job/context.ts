/**
 * One attempt of one step: the `StepContext` its runner gets, made from the job's SQLite
 * storage (outputs, parts) and bindings (R2, D1, the notification path), and the accounting
 * of the provider calls the attempt made, win or lose.
 */
import type { CallRecord } from "../../shared/ai";
import type { Logger } from "../../shared/log";
import { tellOwner } from "../../shared/pipeline/notices";
import { steps } from "../../shared/pipeline/steps";
import type { StepContext, StepResult } from "../../shared/pipeline/steps/context";
import type { StepName } from "../../shared/pipeline/workflows";
import { discardResult, recordResult, recordUsage } from "./d1";
import type { JobRow } from "./schema";
import type { JobStore } from "./store";

/** Runs one attempt of `name` for the job; every provider call it made is recorded in D1. */
export async function runStep(
  env: Env,
  store: JobStore,
  job: JobRow,
  name: StepName,
  signal: AbortSignal,
  log: Logger,
): Promise<StepResult> {
  const calls: CallRecord[] = [];
  try {
    return await steps[name](stepContext(env, store, job, { signal, onCall: (c) => calls.push(c), log }));
  } finally {
    await recordUsage(env, job.id, name, calls, log);
  }
}

/** The context of one attempt, backed by the job's storage. */
function stepContext(
  env: Env,
  store: JobStore,
  job: JobRow,
  attempt: Pick<StepContext, "signal" | "onCall" | "log">,
): StepContext {
  const notice = { id: job.id, correlationId: job.correlation_id };
  return {
    ...attempt,
    env,
    job: {
      id: job.id,
      workflow: job.workflow,
      correlationId: job.correlation_id,
      inputKey: job.input_key,
      reviewDecision: job.review_decision,
      reviewedAt: job.reviewed_at,
    },
    output: <T>(step: StepName) => store.output<T>(step),
    providerOf: (step) => store.step(step)?.provider ?? null,
    async workText(step) {
      const row = store.step(step);
      if (row?.status !== "done" || !row.output) return null;
      const { key } = (await store.resolve(row.output)) as { key?: string };
      if (!key) return null;
      const object = await env.FILES.get(key);
      return object ? (await object.text()).trim() : null;
    },
    part: <T>(step: StepName, key: string) => store.part<T>(step, key),
    setPart: (step, key, value) => store.setPart(step, key, value),
    recordResult: (result) => recordResult(env, job.id, result),
    discardResult: () => discardResult(env, job.id),
    tellOwner: (event, options) => tellOwner(env, notice, event, attempt.log, options),
  };
}
