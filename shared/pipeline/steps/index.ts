/**
 * The step registry: the runner of every step kind a workflow (`../workflows.ts`) may name.
 * The engine looks a step up here and hands it a `StepContext`; nothing else about a step's
 * work lives in the engine.
 */
import type { StepName } from "../workflows";
import { analyse } from "./analyse";
import { compose } from "./compose";
import type { StepRunner } from "./context";
import { extract } from "./extract";
import { gather } from "./gather";
import { notify } from "./notify";
import { retrieve } from "./retrieve";
import { review } from "./review";
import { transcribe } from "./transcribe";

/** Every step kind's runner. */
export const steps: Record<StepName, StepRunner> = {
  gather,
  transcribe,
  extract,
  retrieve,
  analyse,
  compose,
  review,
  notify,
};
