import { askStructured, modelAnalysis } from "./grounding";
import {
  type AiProvider,
  type AnalyseOptions,
  type Analysis,
  type AnalysisInput,
  type AudioInput,
  type Embeddings,
  ProviderError,
  type Transcript,
} from "./provider";

/** The slice of the `AI` binding this provider uses; tests hand in a fake of just this. */
export interface AiBinding {
  run(model: string, inputs: Record<string, unknown>, options?: WorkersAiRunOptions): Promise<unknown>;
}

/** The subset of the binding's `AiOptions` this provider sets. */
export interface WorkersAiRunOptions {
  signal?: AbortSignal;
  /**
   * Sent with the binding's own HTTP call to Workers AI: the job's `traceparent`, so a trace
   * that Cloudflare (or an AI Gateway in front) records carries the request's trace id.
   */
  extraHeaders?: Record<string, string>;
  /** AI Gateway routing; its `metadata` is searchable in the gateway's logs. */
  gateway?: { id: string; metadata?: Record<string, string> };
}

/** The trace id of a `traceparent` (the request's correlation id), for gateway metadata. */
const traceIdOf = (traceparent: string) => traceparent.split("-")[1] ?? traceparent;

/**
 * Workers AI error codes that no retry fixes (bad input, unknown model, account limits).
 * Everything else — capacity (3040), timeouts, internal errors — is retried.
 */
const PERMANENT_CODES = /\b(5006|5007|5016|5018|3036|3039)\b|invalid input|no such model|not found/i;

export const WORKERS_AI_WHISPER = "@cf/openai/whisper";
export const WORKERS_AI_EMBEDDINGS = "@cf/baai/bge-base-en-v1.5";

/** Workers AI through the `AI` binding: a chat model (`WORKERS_AI_MODEL`) and Whisper. */
export class WorkersAiProvider implements AiProvider {
  readonly name = "workers-ai" as const;
  readonly #ai: AiBinding;
  readonly #model: string;

  readonly #gatewayId: string | undefined;

  /** `gatewayId`: route calls through this AI Gateway (`AI_GATEWAY_ID`), tagged with the trace id. */
  constructor(ai: AiBinding, model: string, gatewayId?: string) {
    this.#ai = ai;
    this.#model = model;
    this.#gatewayId = gatewayId || undefined;
  }

  async analyse(input: AnalysisInput, options: AnalyseOptions = {}): Promise<Analysis> {
    const result = await askStructured(
      this.name,
      async (messages) => {
        const output = await this.#run(this.#model, { max_tokens: 1200, temperature: 0.2, messages }, options);
        const content =
          typeof output === "object" && output !== null && "response" in output && typeof output.response === "string"
            ? output.response.trim()
            : "";
        if (!content) throw new ProviderError(this.name, "Workers AI returned an empty answer.", true);
        const u = (output as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage;
        return { content, usage: { inputTokens: u?.prompt_tokens, outputTokens: u?.completion_tokens } };
      },
      input,
    );
    return modelAnalysis(input, result, {
      provider: this.name,
      model: this.#model,
      label: `Written by the Workers AI model ${this.#model}, from the passages of our site it was given.`,
    });
  }

  async transcribe(audio: AudioInput, options: AnalyseOptions = {}): Promise<Transcript> {
    const output = await this.#run(WORKERS_AI_WHISPER, { audio: [...audio.bytes] }, options);
    const text =
      typeof output === "object" && output !== null && "text" in output && typeof output.text === "string"
        ? output.text.trim()
        : null;
    if (text === null) throw new ProviderError(this.name, "Workers AI returned no transcript.", true);
    return { text, transcribed: true, provider: this.name, model: WORKERS_AI_WHISPER };
  }

  async embed(texts: string[], options: AnalyseOptions = {}): Promise<Embeddings> {
    const output = (await this.#run(WORKERS_AI_EMBEDDINGS, { text: texts }, options)) as { data?: unknown };
    const vectors = Array.isArray(output?.data) ? (output.data as number[][]) : null;
    if (!vectors || vectors.length !== texts.length) {
      throw new ProviderError(this.name, "Workers AI returned no embeddings.", true);
    }
    return { vectors, provider: this.name, model: WORKERS_AI_EMBEDDINGS };
  }

  async #run(model: string, inputs: Record<string, unknown>, options: AnalyseOptions): Promise<unknown> {
    const { signal, traceparent } = options;
    const run: WorkersAiRunOptions = { signal };
    if (traceparent) run.extraHeaders = { traceparent };
    if (this.#gatewayId) {
      run.gateway = {
        id: this.#gatewayId,
        ...(traceparent ? { metadata: { traceId: traceIdOf(traceparent) } } : {}),
      };
    }
    try {
      return await this.#ai.run(model, inputs, run);
    } catch (cause) {
      if (signal?.aborted) throw signal.reason ?? cause;
      const text = cause instanceof Error ? cause.message : String(cause);
      const retryable = !PERMANENT_CODES.test(text);
      throw new ProviderError(
        this.name,
        retryable ? "Workers AI is temporarily unavailable." : "Workers AI refused the request.",
        retryable,
        cause,
      );
    }
  }
}
