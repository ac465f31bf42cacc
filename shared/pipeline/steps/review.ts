/**
 * `review`: records the reviewer's decision. The engine runs it only once a decision exists
 * (until then the job waits, with no attempt counted); a rejection fails the job for good; a
 * discarded draft passes, and `notify` then tells the owner nothing.
 */
import { PermanentStepError } from "../errors";
import type { StepRunner } from "./context";

/** Passes an approved result on to delivery; removes a discarded one; refuses a rejected one. */
export const review: StepRunner = async (ctx) => {
  if (ctx.job.reviewDecision === "discard") await ctx.discardResult();
  else if (ctx.job.reviewDecision !== "approve") throw new PermanentStepError("The result was rejected in review.");
  return { output: { decision: ctx.job.reviewDecision, at: ctx.job.reviewedAt } };
};
