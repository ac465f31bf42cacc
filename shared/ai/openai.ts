import { z } from "zod";
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

export interface OpenAiConfig {
  /** e.g. `https://api.openai.com/v1`, or any OpenAI-compatible server. */
  baseUrl: string;
  apiKey: string;
  model: string;
}

const completionSchema = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

/** Statuses where a later attempt may succeed. */
const RETRYABLE_STATUSES = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

/** Any OpenAI-compatible chat-completions endpoint (`AI_BASE_URL`, `AI_API_KEY`, `AI_MODEL`). */
export class OpenAiProvider implements AiProvider {
  readonly name = "openai" as const;
  readonly #config: OpenAiConfig;

  constructor(config: OpenAiConfig) {
    this.#config = config;
  }

  async analyse(input: AnalysisInput, options: AnalyseOptions = {}): Promise<Analysis> {
    const url = `${this.#config.baseUrl.replace(/\/+$/, "")}/chat/completions`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${this.#config.apiKey}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({
          model: this.#config.model,
          temperature: 0.2,
          max_tokens: 1200,
          messages: [
            { role: "system", content: ANALYSIS_SYSTEM_PROMPT },
            { role: "user", content: input.text },
          ],
        }),
        signal: options.signal,
      });
    } catch (cause) {
      // Network failure, or our own timeout/abort: worth another attempt.
      throw new ProviderError(this.name, "The AI service could not be reached.", true, cause);
    }
    if (!response.ok) {
      const upstream = await response.text().catch(() => "");
      const retryable = RETRYABLE_STATUSES.has(response.status);
      throw new ProviderError(
        this.name,
        retryable
          ? `The AI service is temporarily unavailable (HTTP ${response.status}).`
          : `The AI service refused the request (HTTP ${response.status}).`,
        retryable,
        new Error(`HTTP ${response.status}: ${upstream.slice(0, 500)}`),
      );
    }
    const parsed = completionSchema.safeParse(await response.json().catch(() => null));
    const content = parsed.success ? parsed.data.choices[0]?.message.content?.trim() : undefined;
    if (!content) {
      throw new ProviderError(this.name, "The AI service returned an empty answer.", true, parsed.error);
    }
    const model = (parsed.success && parsed.data.model) || this.#config.model;
    return {
      markdown: modelDocument(`Written by the language model ${model} through an OpenAI-compatible API.`, content),
      summary: summaryFromMarkdown(content),
      language: detectLanguage(input.text),
      provider: this.name,
      model,
    };
  }
}
