/**
 * The OpenAI-compatible model API faked at the fetch boundary, for the `workers-openai`
 * project (AI_BASE_URL=https://llm.fake.test/v1 in vitest.config.ts). The test and the Worker
 * share the isolate, so the Worker's calls reach the spied `fetch`; other hosts pass through.
 */
import { vi } from "vitest";

/** Where the faked model API lives. */
export const LLM_ORIGIN = "https://llm.fake.test/";

/** `fetch` as it was before any test replaced it: where other hosts go. */
const realFetch = globalThis.fetch;

/** Answers the `call`-th request to the model API (1-based). */
export type LlmAnswer = (call: number, init: RequestInit | undefined) => Response | Promise<Response>;

/**
 * Fakes the model API with `answer`. Returns the `fetch` spy, each call's abort signal and
 * body (parsed when it is JSON text), and the number of calls so far. Call
 * `vi.restoreAllMocks()` after each test.
 */
export function fakeLlm(answer: LlmAnswer) {
  let calls = 0;
  const signals: (AbortSignal | undefined)[] = [];
  const bodies: unknown[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(LLM_ORIGIN)) return realFetch(input, init);
    calls += 1;
    signals.push(init?.signal ?? undefined);
    bodies.push(typeof init?.body === "string" ? JSON.parse(init.body) : init?.body);
    return answer(calls, init);
  });
  return { spy, signals, bodies, calls: () => calls };
}

/** A chat completion of the fake model answering `content`, with token usage when given. */
export const completion = (content: string, usage?: { prompt_tokens: number; completion_tokens: number }) =>
  Response.json({ model: "fake-model-1", choices: [{ message: { content } }], ...(usage ? { usage } : {}) });
