/**
 * Passages (`shared/retrieval/passages.ts`): a page's twin cut at its `##`/`###` headings with
 * the anchors the site renders (duplicates numbered, code fences respected), bounded pieces,
 * and markdown noise folded for the index only.
 */
import { describe, expect, it } from "vitest";
import { renderPage } from "../shared/markdown";
import { MAX_PASSAGE_CHARS, pagePassages, plainText } from "../shared/retrieval/passages";

const page = (markdown: string) => ({ locale: "en", slug: "web", url: "/services/web/", title: "Web", markdown });

describe("pagePassages", () => {
  it("cuts at ## and ### headings, with the opening as a passage without an anchor", () => {
    const ps = pagePassages(
      page(
        "# Web\n\nWe build sites.\n\n## Pricing\n\nFrom €900.\n\n### Extras\n\nHosting.\n\n#### Deep\n\nStill extras.\n",
      ),
    );
    expect(ps.map((p) => [p.id, p.section, p.url])).toEqual([
      ["en:web#", null, "/services/web/"],
      ["en:web#pricing", "Pricing", "/services/web/#pricing"],
      ["en:web#extras", "Extras", "/services/web/#extras"],
    ]);
    expect(ps[0]?.text).toBe("We build sites.");
    expect(ps[2]?.text).toContain("Still extras.");
    expect(ps.map((p) => p.seq)).toEqual([0, 1, 2]);
  });

  it("gives duplicate headings the site's own numbered anchors", () => {
    const md = "# T\n\n## Price\n\na\n\n## Price\n\nb\n\n### Price\n\nc\n";
    const site = renderPage(md)
      .headings.filter((h) => h.depth > 1)
      .map((h) => h.id);
    const ps = pagePassages(page(md)).filter((p) => p.anchor);
    expect(ps.map((p) => p.anchor)).toEqual(site);
    expect(site).toEqual(["price", "price-1", "price-2"]);
  });

  it("does not take a # line inside a fenced code block for a heading", () => {
    const md = "## Setup\n\n```sh\n## not a heading\n# nor this\n```\n\n## Next\n\nx\n";
    const ps = pagePassages(page(md));
    expect(ps.map((p) => p.anchor)).toEqual(["setup", "next"]);
    expect(ps[0]?.text).toContain("## not a heading");
  });

  it("anchors Czech headings as the site does (diacritics dropped)", () => {
    const ps = pagePassages({ ...page("## Ceník služeb\n\nOd 900 €.\n"), locale: "cs" });
    expect(ps[0]?.anchor).toBe("cenik-sluzeb");
    expect(ps[0]?.id).toBe("cs:web#cenik-sluzeb");
  });

  it("splits a long section at paragraph boundaries, each piece keeping the anchor", () => {
    const para = (n: number) => `Paragraph ${n} ${"word ".repeat(60)}`.trim();
    const md = `## Long\n\n${Array.from({ length: 12 }, (_, i) => para(i)).join("\n\n")}\n`;
    const ps = pagePassages(page(md));
    expect(ps.length).toBeGreaterThan(2);
    for (const p of ps) {
      expect(p.anchor).toBe("long");
      expect(p.text.length).toBeLessThanOrEqual(MAX_PASSAGE_CHARS);
      expect(p.text.startsWith("Paragraph")).toBe(true);
    }
    expect(ps.map((p) => p.id).slice(0, 3)).toEqual(["en:web#long", "en:web#long~2", "en:web#long~3"]);
  });

  it("bounds a single huge paragraph (1 MB) too, in linear time", () => {
    const started = performance.now();
    const ps = pagePassages(page(`## Big\n\n${"x".repeat(1_000_000)}\n`));
    expect(ps.every((p) => p.text.length <= MAX_PASSAGE_CHARS)).toBe(true);
    expect(ps.reduce((n, p) => n + p.text.length, 0)).toBe(1_000_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("plainText", () => {
  it("folds links, emphasis and table pipes, keeping the words", () => {
    expect(plainText("See [our **prices**](/pricing/) and _terms_.")).toBe("See our prices and terms.");
    const table = "| Plan | Price |\n| ---- | ----- |\n| Team | €149 |";
    expect(plainText(table)).toBe("Plan Price\nTeam €149");
  });
});
