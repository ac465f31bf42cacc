import { detectLanguage } from "./local";
import {
  type AiProvider,
  ANALYSIS_SYSTEM_PROMPT,
  type AnalyseOptions,
  type Analysis,
  type AnalysisInput,
  modelDocument,
  ProviderError,
  summaryFromMarkdown,
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

/** Workers AI through the `AI` binding (a chat model, `WORKERS_AI_MODEL`). */
export class WorkersAiProvider implements AiProvider {
  readonly name = "workers-ai" as const;
  readonly #ai: AiBinding;
  readonly #model: string;

  constructor(ai: AiBinding, model: string) {
    this.#ai = ai;
    this.#model = model;
  }

  async analyse(input: AnalysisInput, options: AnalyseOptions = {}): Promise<Analysis> {
    let output: unknown;
    try {
      output = await this.#ai.run(
        this.#model,
        {
          max_tokens: 1200,
          temperature: 0.2,
          messages: [
            { role: "system", content: ANALYSIS_SYSTEM_PROMPT },
            { role: "user", content: input.text },
          ],
        },
        { signal: options.signal },
      );
    } catch (cause) {
      const text = cause instanceof Error ? cause.message : String(cause);
      const retryable = !PERMANENT_CODES.test(text);
      throw new ProviderError(
        this.name,
        retryable ? "Workers AI is temporarily unavailable." : "Workers AI refused the request.",
        retryable,
        cause,
      );
    }
    const content =
      typeof output === "object" && output !== null && "response" in output && typeof output.response === "string"
        ? output.response.trim()
        : "";
    if (!content) throw new ProviderError(this.name, "Workers AI returned an empty answer.", true);
    return {
      markdown: modelDocument(`Written by the Workers AI model ${this.#model}.`, content),
      summary: summaryFromMarkdown(content),
      language: detectLanguage(input.text),
      provider: this.name,
      model: this.#model,
    };
  }
}
