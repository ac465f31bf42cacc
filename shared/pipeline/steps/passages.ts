/**
 * The one seam between retrieval and the answer: the passages of our site the `analyse` step
 * answers from — the output of the job's `retrieve` step (which runs after `extract`), stored
 * with it so a retried `analyse` answers from the same passages. A workflow without a
 * `retrieve` step answers from none.
 */
import type { Retrieval, RetrievedPassage } from "../../retrieval/types";
import { stepsOf } from "../workflows";
import type { StepContext } from "./context";

/** The retrieved passages for the job's request; none when its workflow does not retrieve. */
export async function passagesOf(ctx: StepContext): Promise<RetrievedPassage[]> {
  if (!stepsOf(ctx.job.workflow).includes("retrieve")) return [];
  return (await ctx.output<Retrieval>("retrieve")).passages;
}
