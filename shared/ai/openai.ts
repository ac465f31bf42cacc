import { z } from "zod";
import { askStructured, type ChatMessage, modelAnalysis } from "./grounding";
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

export interface OpenAiConfig {
  /** e.g. `https://api.openai.com/v1`, or any OpenAI-compatible server. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; unset for a local server (Ollama, llama.cpp) that needs none. */
  apiKey?: string;
  model: string;
  /** Model for `/audio/transcriptions` (default `whisper-1`). */
  transcribeModel?: string;
  /** Model for `/embeddings` (default `text-embedding-3-small`). */
  embedModel?: string;
}

const completionSchema = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
  usage: z.object({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() }).optional(),
});

const transcriptionSchema = z.object({ text: z.string(), duration: z.number().optional() });

const embeddingsSchema = z.object({
  data: z.array(z.object({ index: z.number().int(), embedding: z.array(z.number()) })),
  model: z.string().optional(),
  usage: z.object({ prompt_tokens: z.number().optional() }).optional(),
});

/** Statuses where a later attempt may succeed. */
const RETRYABLE_STATUSES = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

/**
 * Any OpenAI-compatible API (`AI_BASE_URL`, `AI_MODEL`, and `AI_API_KEY` when the server wants
 * one): chat, transcription and embeddings.
 */
export class OpenAiProvider implements AiProvider {
  readonly name = "openai" as const;
  readonly #config: OpenAiConfig;

  constructor(config: OpenAiConfig) {
    this.#config = config;
  }

  async analyse(input: AnalysisInput, options: AnalyseOptions = {}): Promise<Analysis> {
    let model = this.#config.model;
    const result = await askStructured(
      this.name,
      async (messages) => {
        const answer = await this.#chat(messages, options.signal, options.traceparent);
        model = answer.model;
        return answer;
      },
      input,
    );
    return modelAnalysis(input, result, {
      provider: this.name,
      model,
      label: `Written by the language model ${model} through an OpenAI-compatible API, from the passages of our site it was given.`,
    });
  }

  async transcribe(audio: AudioInput, options: AnalyseOptions = {}): Promise<Transcript> {
    const model = this.#config.transcribeModel || "whisper-1";
    const form = new FormData();
    form.append("model", model);
    form.append("file", new File([audio.bytes], audio.name, { type: audio.contentType }));
    const response = await this.#post("/audio/transcriptions", form, options.signal, options.traceparent);
    const parsed = transcriptionSchema.safeParse(await response.json().catch(() => null));
    if (!parsed.success) throw new ProviderError(this.name, "The transcription service returned no text.", true);
    return {
      text: parsed.data.text.trim(),
      transcribed: true,
      provider: this.name,
      model,
      usage: parsed.data.duration === undefined ? undefined : { audioSeconds: parsed.data.duration },
    };
  }

  async embed(texts: string[], options: AnalyseOptions = {}): Promise<Embeddings> {
    const model = this.#config.embedModel || "text-embedding-3-small";
    const response = await this.#post(
      "/embeddings",
      JSON.stringify({ model, input: texts }),
      options.signal,
      options.traceparent,
    );
    const parsed = embeddingsSchema.safeParse(await response.json().catch(() => null));
    if (!parsed.success || parsed.data.data.length !== texts.length) {
      throw new ProviderError(this.name, "The embeddings service returned no vectors.", true);
    }
    return {
      vectors: [...parsed.data.data].sort((a, b) => a.index - b.index).map((d) => d.embedding),
      provider: this.name,
      model: parsed.data.model ?? model,
      usage: { inputTokens: parsed.data.usage?.prompt_tokens },
    };
  }

  async #chat(messages: ChatMessage[], signal?: AbortSignal, traceparent?: string) {
    const response = await this.#post(
      "/chat/completions",
      JSON.stringify({
        model: this.#config.model,
        temperature: 0.2,
        max_tokens: 1200,
        response_format: { type: "json_object" },
        messages,
      }),
      signal,
      traceparent,
    );
    const parsed = completionSchema.safeParse(await response.json().catch(() => null));
    const content = parsed.success ? parsed.data.choices[0]?.message.content?.trim() : undefined;
    if (!content) {
      throw new ProviderError(this.name, "The AI service returned an empty answer.", true, parsed.error);
    }
    return {
      content,
      model: (parsed.success && parsed.data.model) || this.#config.model,
      usage: {
        inputTokens: parsed.data?.usage?.prompt_tokens,
        outputTokens: parsed.data?.usage?.completion_tokens,
      },
    };
  }

  async #post(path: string, body: string | FormData, signal?: AbortSignal, traceparent?: string): Promise<Response> {
    const url = `${this.#config.baseUrl.replace(/\/+$/, "")}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          ...(this.#config.apiKey ? { authorization: `Bearer ${this.#config.apiKey}` } : {}),
          ...(traceparent ? { traceparent } : {}),
          // FormData sets its own multipart boundary.
          ...(typeof body === "string" ? { "content-type": "application/json" } : {}),
        },
        body,
        signal,
      });
    } catch (cause) {
      // Our own abort (cancel or timeout) is not the service's fault: let the caller see why.
      if (signal?.aborted) throw signal.reason ?? cause;
      // Network failure: worth another attempt.
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
    return response;
  }
}
