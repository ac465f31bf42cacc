/**
 * The failures a pipeline step raises on purpose: a permanent one (no retry can fix it), a
 * timed-out attempt, and a cancelled job. Plain classes with no dependencies, so the step
 * runners that throw them run anywhere, in the Durable Object or in a Node test.
 */
import type { StepName } from "./workflows";

/** A step failure no retry can fix (bad input, refused content, missing data). */
export class PermanentStepError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "PermanentStepError";
  }
}

/** An attempt that ran past its step's timeout (or the job's deadline); retryable. */
export class StepTimeoutError extends Error {
  constructor(step: StepName, ms: number) {
    super(`The ${step} step timed out after ${ms} ms.`);
    this.name = "StepTimeoutError";
  }
}

/** The reason an in-flight call is aborted when its job is cancelled. */
export class JobCancelledError extends Error {
  constructor() {
    super("The job was cancelled.");
    this.name = "JobCancelledError";
  }
}
