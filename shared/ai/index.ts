import { LocalProvider } from "./local";
import { OpenAiProvider } from "./openai";
import { type AiProvider, PROVIDER_NAMES, type ProviderName } from "./provider";
import { WorkersAiProvider } from "./workers-ai";

export * from "./provider";

/** The configuration `createProvider` reads; a subset of `Env`. */
export interface ProviderConfig {
  AI_PROVIDER?: string;
  AI_BASE_URL?: string;
  AI_API_KEY?: string;
  AI_MODEL?: string;
  WORKERS_AI_MODEL?: string;
  AI?: unknown;
}

/**
 * Chooses the provider named by `AI_PROVIDER` (default `local`). A remote provider that is
 * named but not configured is a deployment error, reported as such rather than silently
 * falling back to the local analyser.
 */
export function createProvider(env: ProviderConfig): AiProvider {
  const name = (env.AI_PROVIDER || "local") as ProviderName;
  if (!PROVIDER_NAMES.includes(name)) {
    throw new Error(`AI_PROVIDER must be one of ${PROVIDER_NAMES.join(", ")}; got "${env.AI_PROVIDER}"`);
  }
  switch (name) {
    case "local":
      return new LocalProvider();
    case "workers-ai":
      if (!env.AI) throw new Error("AI_PROVIDER=workers-ai needs the AI binding");
      return new WorkersAiProvider(
        env.AI as ConstructorParameters<typeof WorkersAiProvider>[0],
        env.WORKERS_AI_MODEL || "@cf/meta/llama-3.1-8b-instruct",
      );
    case "openai":
      if (!env.AI_BASE_URL || !env.AI_API_KEY || !env.AI_MODEL) {
        throw new Error("AI_PROVIDER=openai needs AI_BASE_URL, AI_API_KEY and AI_MODEL");
      }
      return new OpenAiProvider({ baseUrl: env.AI_BASE_URL, apiKey: env.AI_API_KEY, model: env.AI_MODEL });
  }
}
