/**
 * `notify`: tells the owner the job completed, on every channel they chose. The email goes
 * out inside the step, so the step's outcome is the email's (a failing email retries the
 * step; the delivery log keeps a retry from sending twice); the other channels are queued.
 */
import type { StepRunner } from "./context";

/** Delivers the completion notice; its output lists the deliveries. */
export const notify: StepRunner = async (ctx) => {
  const deliveries = await ctx.tellOwner("submission.completed", { inlineEmail: true });
  return { output: { deliveries } };
};
