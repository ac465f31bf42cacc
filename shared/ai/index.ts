import { LocalProvider } from "./local";
import { OpenAiProvider } from "./openai";
import {
  type AiProvider,
  type AnalyseOptions,
  type Analysis,
  type AnalysisInput,
  type AudioInput,
  type Embeddings,
  PROVIDER_NAMES,
  ProviderError,
  type ProviderName,
  type Transcript,
  type Usage,
} from "./provider";
import { WorkersAiProvider } from "./workers-ai";

export { composeDocument, NOT_COVERED, sourcesOf } from "./document";
export * from "./provider";

/** The configuration `createProvider` reads; a subset of `Env`. */
export interface ProviderConfig {
  AI_PROVIDER?: string;
  /** Comma-separated fallback chain, e.g. `workers-ai,openai,local`; default: `AI_PROVIDER` alone. */
  AI_FALLBACK?: string;
  AI_BASE_URL?: string;
  AI_API_KEY?: string;
  AI_MODEL?: string;
  AI_TRANSCRIBE_MODEL?: string;
  AI_EMBED_MODEL?: string;
  WORKERS_AI_MODEL?: string;
  /** Optional AI Gateway id: Workers AI calls go through it, tagged with the trace id. */
  AI_GATEWAY_ID?: string;
  PROVIDER_TIMEOUT_MS?: string;
  AI?: unknown;
}

/**
 * Chooses the provider named by `AI_PROVIDER` (default `local`). A remote provider that is
 * named but not configured is a deployment error, reported as such rather than silently
 * falling back to the local analyser.
 */
export function createProvider(env: ProviderConfig, which: string | undefined = env.AI_PROVIDER): AiProvider {
  const name = (which || "local") as ProviderName;
  if (!PROVIDER_NAMES.includes(name)) {
    throw new Error(`AI_PROVIDER must be one of ${PROVIDER_NAMES.join(", ")}; got "${which}"`);
  }
  switch (name) {
    case "local":
      return new LocalProvider();
    case "workers-ai":
      if (!env.AI) throw new Error("AI_PROVIDER=workers-ai needs the AI binding");
      return new WorkersAiProvider(
        env.AI as ConstructorParameters<typeof WorkersAiProvider>[0],
        env.WORKERS_AI_MODEL || "@cf/meta/llama-3.1-8b-instruct",
        env.AI_GATEWAY_ID,
      );
    case "openai":
      // No key is fine: a local Ollama or llama.cpp server needs none.
      if (!env.AI_BASE_URL || !env.AI_MODEL) {
        throw new Error("AI_PROVIDER=openai needs AI_BASE_URL and AI_MODEL (AI_API_KEY when the server wants one)");
      }
      return new OpenAiProvider({
        baseUrl: env.AI_BASE_URL,
        apiKey: env.AI_API_KEY || undefined,
        model: env.AI_MODEL,
        transcribeModel: env.AI_TRANSCRIBE_MODEL,
        embedModel: env.AI_EMBED_MODEL,
      });
  }
}

/** One provider call, as recorded in D1 `ai_usage`. */
export interface CallRecord {
  provider: ProviderName;
  model: string | null;
  operation: "analyse" | "transcribe" | "embed";
  usage: Usage;
  latencyMs: number;
  ok: boolean;
  error: string | null;
}

export interface ChainOptions extends AnalyseOptions {
  /** Told about every call, successful or not (usage accounting). */
  onCall?: (call: CallRecord) => void;
}

/** The provider names of the chain, in order (`AI_FALLBACK`, else `AI_PROVIDER`). */
export function chainNames(env: ProviderConfig): string[] {
  const names = (env.AI_FALLBACK ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  return names.length > 0 ? names : [env.AI_PROVIDER || "local"];
}

/**
 * Tries each provider of the chain in turn, each call bounded by `PROVIDER_TIMEOUT_MS`: a
 * provider that fails, times out or is not configured hands over to the next. The caller's
 * signal (cancel, step timeout) stops the whole chain at once. When every provider fails, the
 * last error is thrown, retryable if any failure was.
 */
export class ProviderChain {
  readonly #env: ProviderConfig;

  constructor(env: ProviderConfig) {
    this.#env = env;
    // Fail fast on a misspelt chain: a deployment error, not a runtime surprise.
    for (const name of chainNames(env)) {
      if (!PROVIDER_NAMES.includes(name as ProviderName)) {
        throw new Error(`AI_FALLBACK/AI_PROVIDER must name ${PROVIDER_NAMES.join(", ")}; got "${name}"`);
      }
    }
  }

  analyse(input: AnalysisInput, options: ChainOptions = {}): Promise<Analysis> {
    return this.#each("analyse", options, (p, signal) =>
      p.analyse(input, { signal, traceparent: options.traceparent }),
    );
  }

  transcribe(audio: AudioInput, options: ChainOptions = {}): Promise<Transcript> {
    return this.#each("transcribe", options, (p, signal) =>
      p.transcribe(audio, { signal, traceparent: options.traceparent }),
    );
  }

  /** Vectors for search. Note: a fallback may answer with another model's (incompatible) space. */
  embed(texts: string[], options: ChainOptions = {}): Promise<Embeddings> {
    return this.#each("embed", options, (p, signal) => p.embed(texts, { signal, traceparent: options.traceparent }));
  }

  async #each<T extends { provider: ProviderName; model: string; usage?: Usage }>(
    operation: CallRecord["operation"],
    options: ChainOptions,
    call: (provider: AiProvider, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const timeoutMs = Number(this.#env.PROVIDER_TIMEOUT_MS) || 60_000;
    const names = chainNames(this.#env);
    let last: unknown = new Error("no provider configured");
    let anyRetryable = false;
    for (const name of names) {
      let provider: AiProvider;
      try {
        provider = createProvider(this.#env, name);
      } catch (cause) {
        last = new ProviderError(name as ProviderName, "The AI provider is not configured correctly.", false, cause);
        continue;
      }
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      const started = Date.now();
      try {
        const result = await call(provider, signal);
        options.onCall?.({
          provider: result.provider,
          model: result.model,
          operation,
          usage: result.usage ?? {},
          latencyMs: Date.now() - started,
          ok: true,
          error: null,
        });
        return result;
      } catch (cause) {
        // Cancel or the step's own timeout: stop the chain, whoever was answering.
        if (options.signal?.aborted) throw options.signal.reason ?? cause;
        const error =
          cause instanceof ProviderError
            ? cause
            : timeout.aborted
              ? new ProviderError(provider.name, `The AI service did not answer within ${timeoutMs} ms.`, true, cause)
              : new ProviderError(provider.name, "The AI service failed unexpectedly.", true, cause);
        options.onCall?.({
          provider: provider.name,
          model: null,
          operation,
          usage: {},
          latencyMs: Date.now() - started,
          ok: false,
          error: error.message,
        });
        anyRetryable ||= error.retryable;
        last = error;
      }
    }
    if (last instanceof ProviderError && names.length > 1 && anyRetryable && !last.retryable) {
      throw new ProviderError(last.provider, last.message, true, last.cause);
    }
    throw last;
  }
}
