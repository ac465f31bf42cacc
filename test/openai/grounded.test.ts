/**
 * The grounded answer with a model: the OpenAI-compatible provider against the fake model API
 * (`test/helpers/llm.ts`), given passages built here. The prompt carries the passages' ids
 * within its budget, citations of passages not given are dropped, an answer citing nothing is
 * re-asked once, and a server without a key gets no `Authorization` header.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createProvider, NOT_COVERED } from "../../shared/ai";
import { CITE_NOTE, PASSAGE_CHARS, PROMPT_CHARS } from "../../shared/ai/grounding";
import { OpenAiProvider } from "../../shared/ai/openai";
import type { RetrievedPassage } from "../../shared/retrieval/types";
import { completion, fakeLlm } from "../helpers/llm";

const BASE_URL = "https://llm.fake.test/v1";
const provider = (apiKey?: string) => new OpenAiProvider({ baseUrl: BASE_URL, apiKey, model: "m-1" });

const PRICING: RetrievedPassage = {
  id: "en:services/booking#pricing",
  locale: "en",
  title: "Online booking",
  section: "Pricing",
  url: "/services/booking/#pricing",
  text: "Online booking costs €1,200 per clinic.",
  score: 4,
};
const LONG: RetrievedPassage = {
  id: "en:services/booking#details",
  locale: "en",
  title: "Online booking",
  section: "Details",
  url: "/services/booking/#details",
  text: `Details. ${"Very long detail text. ".repeat(5_000)}`,
  score: 2,
};
const TEXT = "How much does online booking cost for three clinics?";

const answer = (citations: string[]) =>
  JSON.stringify({
    summary: "Three clinics ask the price of online booking.",
    answer: [{ question: "How much?", text: "€1,200 per clinic.", citations }],
    understood: ["Online booking for three clinics"],
    proposals: [],
    questions: ["By when?"],
  });

type Body = { messages: { role: string; content: string }[] };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the grounded prompt", () => {
  it("carries the passages with their ids, cut to the budget, and drops unknown citations", async () => {
    const llm = fakeLlm(() => completion(answer(["en:services/booking#pricing", "en:made-up#x"])));
    const result = await provider("sk-1").analyse({ submissionId: "s", text: TEXT, passages: [PRICING, LONG] });
    expect(llm.calls()).toBe(1);
    const user = (llm.bodies[0] as Body).messages[1]?.content ?? "";
    expect(user).toContain('[passage id="en:services/booking#pricing"] Online booking — Pricing');
    expect(user).toContain('[passage id="en:services/booking#details"]');
    expect(user).toContain(TEXT);
    // The long passage went in cut, not whole.
    expect(user.length).toBeLessThanOrEqual(PROMPT_CHARS + 200);
    expect(user.length).toBeLessThan(TEXT.length + PRICING.text.length + PASSAGE_CHARS + 400);
    expect(result.structured.answer[0]?.citations).toEqual(["en:services/booking#pricing"]);
    expect(result.cited.map((c) => c.id)).toEqual(["en:services/booking#pricing"]);
    expect(result.markdown).toContain("- €1,200 per clinic. [1]");
    expect(result.markdown).toContain("## Sources\n\n1. [Online booking — Pricing](/services/booking/#pricing)");
    expect(result.markdown).not.toContain("made-up");
  });

  it("re-asks once with a note when the answer cites nothing, then takes the next answer as it is", async () => {
    const llm = fakeLlm(() => completion(answer([])));
    const result = await provider("sk-1").analyse({ submissionId: "s", text: TEXT, passages: [PRICING] });
    expect(llm.calls()).toBe(2);
    const second = llm.bodies[1] as Body;
    expect(second.messages.at(-1)).toEqual({ role: "user", content: CITE_NOTE });
    expect(second.messages.at(-2)?.role).toBe("assistant");
    expect(result.structured.answer).toEqual([{ question: "How much?", text: "€1,200 per clinic.", citations: [] }]);
    expect(result.markdown).not.toContain("## Sources");
  });

  it("stops re-asking once the second answer cites a passage", async () => {
    const llm = fakeLlm((call) => completion(answer(call === 1 ? ["en:made-up#x"] : [PRICING.id])));
    const result = await provider("sk-1").analyse({ submissionId: "s", text: TEXT, passages: [PRICING] });
    expect(llm.calls()).toBe(2);
    expect(result.cited.map((c) => c.id)).toEqual([PRICING.id]);
  });

  it("drops a model's answer when no passage was given: the site does not cover it", async () => {
    const llm = fakeLlm(() => completion(answer(["en:services/booking#pricing"])));
    const result = await provider("sk-1").analyse({ submissionId: "s", text: TEXT });
    expect(llm.calls()).toBe(1);
    const user = (llm.bodies[0] as Body).messages[1]?.content ?? "";
    expect(user).not.toContain("[passage id=");
    expect(result.structured.answer).toEqual([]);
    expect(result.markdown).toContain(`## Answer\n\n${NOT_COVERED}`);
    expect(result.markdown).not.toContain("€1,200");
  });
});

describe("an OpenAI-compatible server without a key (Ollama, llama.cpp)", () => {
  it("is configured by the provider factory and sent no Authorization header", async () => {
    const llm = fakeLlm(() => completion(answer([PRICING.id])));
    const configured = createProvider({ AI_PROVIDER: "openai", AI_BASE_URL: BASE_URL, AI_MODEL: "m-1" });
    expect(configured.name).toBe("openai");
    await configured.analyse({ submissionId: "s", text: TEXT, passages: [PRICING] });
    const init = llm.spy.mock.calls[0]?.[1];
    expect(new Headers(init?.headers).has("authorization")).toBe(false);

    await provider("sk-2").analyse({ submissionId: "s", text: TEXT, passages: [PRICING] });
    expect(new Headers(llm.spy.mock.calls[1]?.[1]?.headers).get("authorization")).toBe("Bearer sk-2");
  });
});
