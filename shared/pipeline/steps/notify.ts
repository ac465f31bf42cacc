/**
 * `notify`: tells the owner the job completed, on every channel they chose. The email goes
 * out inside the step, so the step's outcome is the email's (a failing email retries the
 * step; the delivery log keeps a retry from sending twice); the other channels are queued.
 * A draft that staff discarded on the desk is not announced at all.
 */
import type { StepRunner } from "./context";

/** Delivers the completion notice; its output lists the deliveries. */
export const notify: StepRunner = async (ctx) => {
  // Staff discarded the draft to write their own answer: the draft is never announced.
  if (ctx.job.reviewDecision === "discard") return { output: { deliveries: [], discarded: true } };
  const deliveries = await ctx.tellOwner("submission.completed", { inlineEmail: true });
  return { output: { deliveries } };
};
