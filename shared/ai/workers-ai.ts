import { detectLanguage } from "./local";
import {
  type AiProvider,
  type AnalyseOptions,
  type Analysis,
  type AnalysisInput,
  type AudioInput,
  askStructured,
  type Embeddings,
  modelDocument,
  ProviderError,
  renderStructured,
  SUMMARY_MAX_CHARS,
  type Transcript,
  truncate,
} from "./provider";

/** The slice of the `AI` binding this provider uses; tests hand in a fake of just this. */
export interface AiBinding {
  run(model: string, inputs: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<unknown>;
}

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

  constructor(ai: AiBinding, model: string) {
    this.#ai = ai;
    this.#model = model;
  }

  async analyse(input: AnalysisInput, options: AnalyseOptions = {}): Promise<Analysis> {
    const { structured, usage } = await askStructured(
      this.name,
      async (messages) => {
        const output = await this.#run(this.#model, { max_tokens: 1200, temperature: 0.2, messages }, options.signal);
        const content =
          typeof output === "object" && output !== null && "response" in output && typeof output.response === "string"
            ? output.response.trim()
            : "";
        if (!content) throw new ProviderError(this.name, "Workers AI returned an empty answer.", true);
        const u = (output as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage;
        return { content, usage: { inputTokens: u?.prompt_tokens, outputTokens: u?.completion_tokens } };
      },
      input.text,
    );
    return {
      structured,
      usage,
      markdown: modelDocument(`Written by the Workers AI model ${this.#model}.`, renderStructured(structured)),
      summary: truncate(structured.summary.replace(/\s+/g, " "), SUMMARY_MAX_CHARS),
      language: detectLanguage(input.text),
      provider: this.name,
      model: this.#model,
    };
  }

  async transcribe(audio: AudioInput, options: AnalyseOptions = {}): Promise<Transcript> {
    const output = await this.#run(WORKERS_AI_WHISPER, { audio: [...audio.bytes] }, options.signal);
    const text =
      typeof output === "object" && output !== null && "text" in output && typeof output.text === "string"
        ? output.text.trim()
        : null;
    if (text === null) throw new ProviderError(this.name, "Workers AI returned no transcript.", true);
    return { text, transcribed: true, provider: this.name, model: WORKERS_AI_WHISPER };
  }

  async embed(texts: string[], options: AnalyseOptions = {}): Promise<Embeddings> {
    const output = (await this.#run(WORKERS_AI_EMBEDDINGS, { text: texts }, options.signal)) as { data?: unknown };
    const vectors = Array.isArray(output?.data) ? (output.data as number[][]) : null;
    if (!vectors || vectors.length !== texts.length) {
      throw new ProviderError(this.name, "Workers AI returned no embeddings.", true);
    }
    return { vectors, provider: this.name, model: WORKERS_AI_EMBEDDINGS };
  }

  async #run(model: string, inputs: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    try {
      return await this.#ai.run(model, inputs, { signal });
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
