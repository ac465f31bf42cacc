/**
 * The one seam between retrieval and the answer: the passages of our site the `analyse` step
 * answers from. Today it returns none, so every answer says the site does not cover the
 * request; at merge the lead wires it to `ctx.output<Retrieval>("retrieve")` (the `retrieve`
 * step that runs after `extract`), and nothing else changes.
 */
import type { RetrievedPassage } from "../../retrieval/types";
import type { StepContext } from "./context";

/** The retrieved passages for the job's request (none until the `retrieve` step is wired). */
export async function passagesOf(_ctx: StepContext): Promise<RetrievedPassage[]> {
  return [];
}
