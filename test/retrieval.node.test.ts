/**
 * Retrieval's pure parts: the query built from a request (folded, stop words out, bounded,
 * nothing injectable) and reciprocal rank fusion of two rankings.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuseRankings, RRF_K } from "../shared/retrieval/fuse";
import { buildQuery, MAX_QUERY_TERMS, MAX_SCAN_CHARS } from "../shared/retrieval/query";
import type { RetrievedPassage } from "../shared/retrieval/types";

const p = (id: string, score = 1): RetrievedPassage => ({
  id,
  locale: "en",
  title: id,
  section: null,
  url: `/${id}/`,
  text: id,
  score,
});

describe("buildQuery", () => {
  it("folds case and diacritics, drops English and Czech stop words, dedupes, quotes and ORs", () => {
    const q = buildQuery(["CENÍK a the price of the Ceník, že?"]);
    // Same length: the rarer in the request ("price" once, "cenik" twice) first.
    expect(q.terms).toEqual(["price", "cenik"]);
    expect(q.match).toBe('"price" OR "cenik"');
  });

  it("keeps the 32 most distinctive terms: longer first, then rarer", () => {
    const words = Array.from({ length: 60 }, (_, i) => `w${"x".repeat(i % 30)}${i}`);
    const q = buildQuery([`${words.join(" ")} short short short shorter`]);
    expect(q.terms.length).toBe(MAX_QUERY_TERMS);
    expect(q.terms[0]?.length).toBeGreaterThanOrEqual(q.terms.at(-1)?.length ?? 0);
    const rare = buildQuery(["alpha alpha alpha gamma"]);
    expect(rare.terms).toEqual(["gamma", "alpha"]);
  });

  it("searches a Czech request's longer words by their stem as a prefix, an English one by whole words", () => {
    // "kolik" is a Czech stop word, so it is dropped.
    expect(buildQuery(["Kolik stojí požadavku měsíčně?"], { locale: "cs" }).match).toBe(
      '"pozadav"* OR "mesic"* OR "stoji"',
    );
    expect(buildQuery(["Kolik stojí požadavku měsíčně?"], { locale: "en" }).match).toBe(
      '"pozadavku" OR "mesicne" OR "stoji"',
    );
  });

  it("reads only the first 20,000 characters of all parts together", () => {
    const filler = "a ".repeat(MAX_SCAN_CHARS / 2);
    expect(buildQuery([filler, "distinctive"]).terms).toEqual([]);
    expect(buildQuery(["distinctive", filler]).terms).toEqual(["distinctive"]);
  });

  it("never lets FTS5 syntax through, whatever the text", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme" }), { maxLength: 5 }), (parts) => {
        const q = buildQuery(parts);
        expect(q.terms.length).toBeLessThanOrEqual(MAX_QUERY_TERMS);
        for (const t of q.terms) {
          expect(t).toMatch(/^[\p{L}\p{N}]+$/u);
          expect(t.length).toBeLessThanOrEqual(40);
        }
        if (q.match) expect(q.match).toBe(q.terms.map((t) => `"${t}"`).join(" OR "));
      }),
    );
  });
});

describe("fuseRankings (RRF, k = 60)", () => {
  it("scores Σ 1/(k + rank) and puts what both rankings like first", () => {
    const fused = fuseRankings([
      [p("a"), p("b"), p("c")],
      [p("c"), p("b"), p("d")],
    ]);
    // c: 1/63 + 1/61 (0.032266) just above b: 2/62 (0.032258); a and d in one ranking only.
    expect(fused.map((x) => x.id)).toEqual(["c", "b", "a", "d"]);
    expect(fused[0]?.score).toBeCloseTo(1 / (RRF_K + 3) + 1 / (RRF_K + 1), 6);
    expect(fused[1]?.score).toBeCloseTo(2 / (RRF_K + 2), 6);
    expect(fused[2]?.score).toBeCloseTo(1 / (RRF_K + 1), 6);
  });

  it("is one ranking unchanged in order, and empty for none", () => {
    expect(fuseRankings([[p("x"), p("y")]]).map((x) => x.id)).toEqual(["x", "y"]);
    expect(fuseRankings([])).toEqual([]);
  });
});
