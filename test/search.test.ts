import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ensureContentIngested } from "../shared/content/ingest";
import { vectorizeSearch } from "../shared/search/vectorize";
import { BASE } from "./helpers/api";

interface Results {
  query: string;
  backend: string;
  results: { slug: string; locale: string; url: string; title: string; snippet: string; score: number }[];
}

const search = (qs: string) => exports.default.fetch(`${BASE}/v1/search?${qs}`);

describe("GET /v1/search (D1 FTS5)", () => {
  it("ranks a title match first and marks the terms in an escaped snippet", async () => {
    const res = await search("q=correlation+id&locale=en");
    expect(res.status).toBe(200);
    const body = await res.json<Results>();
    expect(body.backend).toBe("d1");
    expect(body.results[0]?.slug).toBe("articles/one-correlation-id");
    expect(body.results.every((r) => r.locale === "en")).toBe(true);
    expect(body.results[0]?.snippet).toMatch(/<mark>correlation<\/mark>/i);
    const scores = body.results.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it("finds Czech pages without diacritics and by prefix", async () => {
    const body = await (await search("q=cenik&locale=cs")).json<Results>();
    expect(body.results.map((r) => r.slug)).toContain("pricing");
    const prefix = await (await search("q=korela&locale=cs")).json<Results>();
    expect(prefix.results[0]?.slug).toBe("articles/one-correlation-id");
  });

  it("treats FTS5 operators as words, never as syntax", async () => {
    for (const q of ['"unbalanced', "NEAR(a b)", "title:x OR -y*", "a AND (b"]) {
      const res = await search(`q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
    }
  });

  it("rejects a missing, empty, wordless or overlong query with 422", async () => {
    for (const qs of ["", "q=", "q=%20%20", "q=%3F%3F%3F", `q=${"a".repeat(201)}`, "q=x&limit=0", "q=x&locale=xx"]) {
      const res = await search(qs);
      expect(res.status, qs).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
  });
});

describe("Vectorize search backend", () => {
  it("embeds the query, asks Vectorize with the locale filter and answers the same shape", async () => {
    await ensureContentIngested(env);
    const calls: unknown[] = [];
    const fakeEnv = {
      ...env,
      SEARCH_BACKEND: "vectorize",
      AI: {
        run: async (model: string, input: { text: string[] }) => {
          calls.push({ model, input });
          return { data: input.text.map(() => [0.1, 0.2, 0.3]) };
        },
      },
      VECTORIZE: {
        query: async (vector: number[], options: unknown) => {
          calls.push({ vector, options });
          return {
            count: 2,
            matches: [
              { id: "en:submit", score: 0.91 },
              { id: "en:gone", score: 0.5 },
            ],
          };
        },
      },
    } as unknown as Env;
    const hits = await vectorizeSearch(fakeEnv).search({ text: "how do I send a request", locale: "en", limit: 5 });
    expect(calls[0]).toEqual({ model: "@cf/baai/bge-m3", input: { text: ["how do I send a request"] } });
    expect(calls[1]).toEqual({
      vector: [0.1, 0.2, 0.3],
      options: { topK: 5, returnMetadata: "indexed", filter: { locale: "en" } },
    });
    // A vector whose page is gone from D1 is dropped, not shown half-empty.
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ slug: "submit", locale: "en", url: "/submit/", score: 0.91 });
    expect(hits[0]?.snippet).toMatch(/<mark>request<\/mark>/i);
    expect(hits[0]?.snippet).not.toMatch(/<(?!\/?mark>)/);
  });
});
