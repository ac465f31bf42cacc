/**
 * What a failed step attempt means for its job: whether another attempt can succeed, what the
 * submitter may read about it, and how long to wait before the next attempt. The engine
 * (`durable-objects/job-coordinator.ts`) applies these with each step's policy
 * (`workflows.ts`).
 */
import { ProviderError } from "../ai";
import { DeliveryError } from "../notifications/deliver";
import { PermanentStepError, StepTimeoutError } from "./errors";

/** The longest wait between two attempts of a step. */
const MAX_BACKOFF_MS = 5 * 60_000;

/** Whether another attempt can succeed: everything but a refusal or a permanent error. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof PermanentStepError) return false;
  if (error instanceof ProviderError || error instanceof DeliveryError) return error.retryable;
  return true;
}

/** What a user may read about a failure: our own messages, never upstream bodies or stacks. */
export function publicReason(error: unknown): string {
  if (
    error instanceof PermanentStepError ||
    error instanceof ProviderError ||
    error instanceof DeliveryError ||
    error instanceof StepTimeoutError
  ) {
    return error.message;
  }
  return "An internal error occurred.";
}

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export function backoff(attempt: number, baseMs: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
