/**
 * What the model steps (`transcribe`, `analyse`) share: the provider chain built from the
 * job's configuration, and the options every call carries — the attempt's abort signal, the
 * usage hook, and the trace context of the request.
 */
import { type ChainOptions, ProviderChain } from "../../ai";
import { traceparentFor } from "../../trace";
import { PermanentStepError } from "../errors";
import type { StepContext } from "./context";

/** The configured provider chain; a misconfigured one fails the step for good. */
export function providerChain(ctx: StepContext): ProviderChain {
  try {
    return new ProviderChain(ctx.env);
  } catch (cause) {
    throw new PermanentStepError("The AI provider is not configured correctly.", cause);
  }
}

/** The options of one provider call made on behalf of the step. */
export function callOptions(ctx: StepContext): ChainOptions {
  return { signal: ctx.signal, onCall: ctx.onCall, traceparent: traceparentFor(ctx.job.correlationId) };
}
