import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, ftsQuery, MAX_SEARCH_TERMS, SearchSyntaxError, snippetHtml } from "../shared/fts";
import { barChart, niceScale } from "../workers/portal/admin/charts";

const heights = (svg: string) =>
  [...svg.matchAll(/<rect [^>]*height="([\d.]+)"[^>]*>\s*<title>/g)].map((m) => Number(m[1]));

describe("niceScale", () => {
  it("tops the axis at a multiple of a round step (1, 2, 2.5 or 5 × 10ⁿ), ticks from 0", () => {
    expect(niceScale(7)).toEqual({ top: 8, ticks: [0, 2, 4, 6, 8] });
    expect(niceScale(10)).toEqual({ top: 10, ticks: [0, 2, 4, 6, 8, 10] });
    expect(niceScale(93).top).toBe(100);
    expect(niceScale(0.37).top).toBeCloseTo(0.4);
    expect(niceScale(1234)).toEqual({ top: 1250, ticks: [0, 250, 500, 750, 1000, 1250] });
    for (const max of [1, 3, 17, 99, 101, 4567, 0.003]) {
      const { top, ticks } = niceScale(max);
      expect(top).toBeGreaterThanOrEqual(max);
      expect(ticks[0]).toBe(0);
      expect(ticks.at(-1)).toBe(top);
      expect(ticks.length).toBeLessThanOrEqual(7);
    }
  });

  it("steps counts by whole numbers", () => {
    expect(niceScale(1, 5, true)).toEqual({ top: 1, ticks: [0, 1] });
    expect(niceScale(3, 5, true)).toEqual({ top: 3, ticks: [0, 1, 2, 3] });
    expect(niceScale(12, 5, true)).toEqual({ top: 12, ticks: [0, 3, 6, 9, 12] });
    for (const max of [1, 2, 7, 13, 99, 250]) {
      expect(
        niceScale(max, 5, true).ticks.every((t) => Number.isInteger(t)),
        String(max),
      ).toBe(true);
    }
  });

  it("gives an empty, zero, negative or non-finite chart a scale of 0 to 1", () => {
    for (const max of [0, -5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(niceScale(max)).toEqual({ top: 1, ticks: [0, 1] });
  });
});

describe("barChart", () => {
  const base = { id: "t", title: "Jobs", description: "Jobs per hour." };

  it("is an accessible SVG: role img, labelled by its own title and desc, a tooltip per bar", () => {
    const svg = barChart({
      ...base,
      categories: ["10:00", "11:00"],
      series: [{ name: "completed", color: "#0f0", values: [3, 1] }],
    });
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="t-title t-desc"/);
    expect(svg).toContain('<title id="t-title">Jobs</title>');
    expect(svg).toContain('<desc id="t-desc">Jobs per hour.</desc>');
    expect(svg).toContain("<title>10:00 — completed: 3</title>");
    expect(svg).toContain("<title>11:00 — completed: 1</title>");
    // No inline style: the portal's CSP forbids it.
    expect(svg).not.toMatch(/style=/);
    expect(svg.endsWith("</svg>")).toBe(true);
  });

  it("scales bars to their values, stacked bars to their sums", () => {
    const svg = barChart({
      ...base,
      categories: ["a", "b"],
      series: [{ name: "x", color: "#000", values: [4, 2] }],
    });
    const [a, b] = heights(svg);
    expect(a).toBeCloseTo((b ?? 0) * 2, 0);
    const stacked = barChart({
      ...base,
      stacked: true,
      categories: ["a"],
      series: [
        { name: "x", color: "#000", values: [3] },
        { name: "y", color: "#111", values: [1] },
      ],
      max: 4,
    });
    const [x, y] = heights(stacked);
    // With the scale topped at the sum, the stack fills the plot: 3 parts to 1.
    expect((x ?? 0) / (y ?? 1)).toBeCloseTo(3, 1);
  });

  it("says so when there is no data, and draws no bars for zero, negative or NaN values", () => {
    const empty = barChart({ ...base, categories: [], series: [] });
    expect(empty).toContain("No data in this range");
    expect(empty).toContain('<title id="t-title">');
    const zeros = barChart({
      ...base,
      categories: ["a", "b", "c"],
      series: [{ name: "x", color: "#000", values: [0, -3, Number.NaN] }],
    });
    expect(zeros).toContain("No data in this range");
    expect(heights(zeros)).toEqual([]);
    const ok = barChart({
      ...base,
      categories: ["a"],
      series: [{ name: "x", color: "#000", values: [0] }],
      zeroText: "No <failed> calls",
    });
    expect(ok).toContain("No &lt;failed&gt; calls");
    expect(barChart({ ...base, categories: [], series: [], zeroText: "No failed calls" })).toContain(
      "No data in this range",
    );
    expect(zeros).not.toContain("NaN");
  });

  it("escapes hostile titles, labels, series names and colours", () => {
    const evil = '<script>alert("x")</script>';
    const svg = barChart({
      id: 'x" onload="alert(1)',
      title: evil,
      description: evil,
      categories: [evil],
      series: [{ name: evil, color: '#000" onclick="alert(1)', values: [1] }],
    });
    expect(svg).not.toContain("<script>");
    expect(svg).not.toContain('onload="');
    expect(svg).not.toContain('" onclick="');
    expect(svg).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(svg).toContain('aria-labelledby="x--onload--alert-1--title');
  });

  it("labels at most about a dozen categories on a dense axis", () => {
    const categories = Array.from({ length: 168 }, (_, i) => `c${i}`);
    const svg = barChart({
      ...base,
      categories,
      series: [{ name: "x", color: "#000", values: categories.map(() => 1) }],
    });
    const labels = [...svg.matchAll(/text-anchor="middle" fill="#5b6470">c\d+</g)];
    expect(labels.length).toBeLessThanOrEqual(12);
    expect(labels.length).toBeGreaterThan(5);
  });
});

describe("ftsQuery", () => {
  it("quotes every word, keeps a trailing * as a prefix and drops punctuation-only words", () => {
    expect(ftsQuery("wind turbine")).toBe('"wind" "turbine"');
    expect(ftsQuery('say "hi"')).toBe('"say" """hi"""');
    expect(ftsQuery("sign*")).toBe('"sign"*');
    expect(ftsQuery("NEAR(a b) OR -x")).toBe('"NEAR(a" "b)" "OR" "-x"');
    expect(ftsQuery("col:foo ^bar")).toBe('"col:foo" "^bar"');
    expect(ftsQuery("  ...  ok  ")).toBe('"ok"');
    expect(ftsQuery("a\u0000b")).toBe('"ab"');
  });

  it("refuses text with nothing to search and too many words", () => {
    for (const text of ["", "   ", "*", '"', "() -- ++"]) expect(() => ftsQuery(text)).toThrow(SearchSyntaxError);
    expect(() => ftsQuery(Array.from({ length: MAX_SEARCH_TERMS + 1 }, (_, i) => `w${i}`).join(" "))).toThrow(
      /at most/,
    );
    expect(() => ftsQuery(Array.from({ length: MAX_SEARCH_TERMS }, (_, i) => `w${i}`).join(" "))).not.toThrow();
  });

  it("marks snippets as escaped HTML", () => {
    expect(snippetHtml("a \u0002<b>\u0003 & c")).toBe("a <mark>&lt;b&gt;</mark> &amp; c");
    expect(snippetHtml(null)).toBeNull();
  });

  it("round-trips cursors and refuses foreign ones", () => {
    for (const c of [{ offset: 0 }, { offset: 150 }, { before: 42 }, { before: "sub_01ABC" }]) {
      expect(decodeCursor(encodeCursor(c))).toEqual(c);
    }
    for (const bad of [
      "%%%",
      btoa("null"),
      btoa('{"offset":-1}'),
      btoa('{"offset":1.5}'),
      btoa('{"before":0}'),
      btoa("{}"),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(SearchSyntaxError);
    }
  });
});
