import { afterEach, describe, expect, it, vi } from "vitest";
import { createProvider } from "../shared/ai";
import { OpenAiProvider } from "../shared/ai/openai";
import { ProviderError } from "../shared/ai/provider";
import { type AiBinding, WorkersAiProvider, type WorkersAiRunOptions } from "../shared/ai/workers-ai";

const TEXT = "Please summarise the incident report. The database failed twice on Monday.";
// What the models are asked for: one JSON object of the structured analysis.
const MODEL_JSON = JSON.stringify({
  summary: "The database failed twice on Monday.",
  understood: ["A summary of the incident report"],
  questions: ["Which database?"],
  proposals: [{ text: "Check the database logs", citations: [] }],
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createProvider", () => {
  it("defaults to local and rejects unknown or unconfigured providers", () => {
    expect(createProvider({}).name).toBe("local");
    expect(createProvider({ AI_PROVIDER: "local" }).name).toBe("local");
    expect(() => createProvider({ AI_PROVIDER: "gpt" })).toThrow(/must be one of/);
    expect(() => createProvider({ AI_PROVIDER: "openai", AI_BASE_URL: "https://x" })).toThrow(/AI_MODEL/);
    // A local server (Ollama, llama.cpp) needs no key: the provider configures without one.
    expect(createProvider({ AI_PROVIDER: "openai", AI_BASE_URL: "https://x", AI_MODEL: "m" }).name).toBe("openai");
    expect(() => createProvider({ AI_PROVIDER: "workers-ai" })).toThrow(/AI binding/);
    expect(createProvider({ AI_PROVIDER: "workers-ai", AI: {} }).name).toBe("workers-ai");
  });
});

describe("the Workers AI provider, against a fake AI binding", () => {
  it("sends the chat messages to the configured model and reads `response`", async () => {
    const calls: { model: string; inputs: Record<string, unknown> }[] = [];
    const ai: AiBinding = {
      async run(model, inputs) {
        calls.push({ model, inputs });
        return { response: MODEL_JSON };
      },
    };
    const result = await new WorkersAiProvider(ai, "@cf/meta/llama-3.1-8b-instruct").analyse({
      submissionId: "sub_1",
      text: TEXT,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.model).toBe("@cf/meta/llama-3.1-8b-instruct");
    const messages = calls[0]?.inputs.messages as { role: string; content: string }[];
    expect(messages[0]?.role).toBe("system");
    expect(messages[1]?.role).toBe("user");
    expect(messages[1]?.content).toMatch(new RegExp(`^## The request\n\n${TEXT}\n\n## Passages of our site\n\nNone`));
    expect(result.provider).toBe("workers-ai");
    expect(result.summary).toBe("The database failed twice on Monday.");
    expect(result.markdown).toMatch(
      /^# Analysis\n\n> Written by the Workers AI model @cf\/meta\/llama-3.1-8b-instruct/,
    );
    expect(result.language).toBe("en");
    expect(result.structured.questions).toEqual(["Which database?"]);
    expect(result.markdown).toContain("## Questions for you\n\n- Which database?");
  });

  it("answers from the passages it is given, citing their ids; other citations are dropped", async () => {
    const passage = {
      id: "en:services/ops#incidents",
      locale: "en",
      title: "Operations",
      section: "Incidents",
      url: "/services/ops/#incidents",
      text: "We review database incidents within two days.",
      score: 1,
    };
    const seen: string[] = [];
    const ai: AiBinding = {
      async run(_model, inputs) {
        seen.push((inputs.messages as { content: string }[])[1]?.content ?? "");
        return {
          response: JSON.stringify({
            summary: "Two database failures.",
            answer: [{ text: "Incidents are reviewed within two days.", citations: [passage.id, "en:invented#x"] }],
          }),
        };
      },
    };
    const result = await new WorkersAiProvider(ai, "m").analyse({ submissionId: "s", text: TEXT, passages: [passage] });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain(`[passage id="${passage.id}"] Operations — Incidents\n${passage.text}`);
    expect(result.structured.answer[0]?.citations).toEqual([passage.id]);
    expect(result.markdown).toContain("- Incidents are reviewed within two days. [1]");
    expect(result.markdown).toContain("1. [Operations — Incidents](/services/ops/#incidents)");
  });

  it("classifies capacity errors as retryable and bad input as permanent", async () => {
    const failing = (message: string): AiBinding => ({
      run: async () => {
        throw new Error(message);
      },
    });
    const capacity = await new WorkersAiProvider(failing("3040: Capacity temporarily exceeded"), "m")
      .analyse({ submissionId: "s", text: TEXT })
      .catch((e: unknown) => e);
    expect(capacity).toBeInstanceOf(ProviderError);
    expect((capacity as ProviderError).retryable).toBe(true);
    const invalid = await new WorkersAiProvider(failing("5006: Invalid input"), "m")
      .analyse({ submissionId: "s", text: TEXT })
      .catch((e: unknown) => e);
    expect((invalid as ProviderError).retryable).toBe(false);
    expect((invalid as ProviderError).message).not.toContain("5006");
  });

  it("treats an empty answer as retryable", async () => {
    const ai: AiBinding = { run: async () => ({ response: "  " }) };
    const error = await new WorkersAiProvider(ai, "m").analyse({ submissionId: "s", text: TEXT }).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
  });
});

describe("the OpenAI-compatible provider, against a fake at the fetch boundary", () => {
  const provider = new OpenAiProvider({ baseUrl: "https://llm.fake.test/v1/", apiKey: "sk-secret", model: "m-1" });

  it("posts a chat completion with bearer auth and parses the answer", async () => {
    const fetchSpy = vi
      .spyOn(globalThis, "fetch")
      .mockResolvedValue(
        Response.json({ model: "m-1-2026", choices: [{ message: { role: "assistant", content: MODEL_JSON } }] }),
      );
    const result = await provider.analyse({ submissionId: "s", text: TEXT });
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const [url, init] = fetchSpy.mock.calls[0] ?? [];
    expect(url).toBe("https://llm.fake.test/v1/chat/completions");
    expect(init?.method).toBe("POST");
    const headers = new Headers(init?.headers);
    expect(headers.get("authorization")).toBe("Bearer sk-secret");
    expect(headers.get("content-type")).toBe("application/json");
    const body = JSON.parse(String(init?.body));
    expect(body.model).toBe("m-1");
    expect(body.messages.at(-1).role).toBe("user");
    expect(body.messages.at(-1).content).toContain(`## The request\n\n${TEXT}`);
    expect(result).toMatchObject({
      provider: "openai",
      model: "m-1-2026",
      summary: "The database failed twice on Monday.",
    });
  });

  it.each([
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [404, false],
  ])("HTTP %i is retryable: %s, and the upstream body stays private", async (status, retryable) => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("secret upstream detail", { status }));
    const error = (await provider.analyse({ submissionId: "s", text: TEXT }).catch((e) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toContain(String(status));
    expect(error.message).not.toContain("secret upstream detail");
  });

  it("treats a network failure or timeout as retryable", async () => {
    vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("network down"));
    const error = (await provider.analyse({ submissionId: "s", text: TEXT }).catch((e) => e)) as ProviderError;
    expect(error.retryable).toBe(true);
  });

  it("treats a malformed answer as retryable", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json({ choices: [] }));
    const error = (await provider.analyse({ submissionId: "s", text: TEXT }).catch((e) => e)) as ProviderError;
    expect(error.retryable).toBe(true);
  });
});

describe("embeddings", () => {
  const cosine = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * (b[i] ?? 0), 0);

  it("local: deterministic unit vectors where shared words score closer", async () => {
    const { LocalProvider, LOCAL_EMBEDDING_DIMS } = await import("../shared/ai/local");
    const texts = [
      "The billing system sent duplicate invoices.",
      "Duplicate invoices came from the billing system.",
      "The weather was pleasant on Tuesday.",
    ];
    const one = await new LocalProvider().embed(texts);
    expect(await new LocalProvider().embed(texts)).toEqual(one);
    expect(one.vectors).toHaveLength(3);
    for (const v of one.vectors) {
      expect(v).toHaveLength(LOCAL_EMBEDDING_DIMS);
      expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    }
    const [a = [], b = [], c = []] = one.vectors;
    expect(cosine(a, b)).toBeGreaterThan(0.7);
    expect(cosine(a, c)).toBeLessThan(0.3);
  });

  it("OpenAI-compatible: posts /embeddings and returns vectors in input order", async () => {
    const spy = vi.spyOn(globalThis, "fetch").mockResolvedValue(
      Response.json({
        model: "emb-1",
        data: [
          { index: 1, embedding: [0, 1] },
          { index: 0, embedding: [1, 0] },
        ],
        usage: { prompt_tokens: 7 },
      }),
    );
    const result = await new OpenAiProvider({ baseUrl: "https://llm.fake.test/v1", apiKey: "k", model: "m" }).embed([
      "first",
      "second",
    ]);
    const [url, init] = spy.mock.calls[0] ?? [];
    expect(url).toBe("https://llm.fake.test/v1/embeddings");
    expect(JSON.parse(String(init?.body))).toEqual({ model: "text-embedding-3-small", input: ["first", "second"] });
    expect(result).toEqual({
      vectors: [
        [1, 0],
        [0, 1],
      ],
      provider: "openai",
      model: "emb-1",
      usage: { inputTokens: 7 },
    });
  });

  it("Workers AI: runs the bge model and refuses a short answer", async () => {
    const calls: { model: string; inputs: Record<string, unknown> }[] = [];
    const ai: AiBinding = {
      async run(model, inputs) {
        calls.push({ model, inputs });
        return { shape: [1, 2], data: [[0.6, 0.8]] };
      },
    };
    const provider = new WorkersAiProvider(ai, "chat-model");
    const result = await provider.embed(["only one"]);
    expect(calls[0]).toEqual({ model: "@cf/baai/bge-base-en-v1.5", inputs: { text: ["only one"] } });
    expect(result.vectors).toEqual([[0.6, 0.8]]);
    const error = await provider.embed(["one", "two"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
  });
  it("Workers AI: hands the job's traceparent to the binding, and its trace id to an AI Gateway", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    const seen: (WorkersAiRunOptions | undefined)[] = [];
    const ai: AiBinding = {
      async run(_model, _inputs, options) {
        seen.push(options);
        return { shape: [1, 2], data: [[0.6, 0.8]] };
      },
    };
    await new WorkersAiProvider(ai, "m").embed(["x"], { traceparent });
    expect(seen[0]?.extraHeaders).toEqual({ traceparent });
    expect(seen[0]?.gateway).toBeUndefined();
    const viaGateway = createProvider({ AI_PROVIDER: "workers-ai", AI: ai, AI_GATEWAY_ID: "statex-gw" });
    await viaGateway.embed(["x"], { traceparent });
    expect(seen[1]?.gateway).toEqual({ id: "statex-gw", metadata: { traceId } });
    expect(seen[1]?.extraHeaders).toEqual({ traceparent });
    // Without a trace (a caller's own X-Request-Id), nothing is invented.
    await viaGateway.embed(["x"]);
    expect(seen[2]?.extraHeaders).toBeUndefined();
    expect(seen[2]?.gateway).toEqual({ id: "statex-gw" });
  });
});
