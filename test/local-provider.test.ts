import { describe, expect, it } from "vitest";
import { analyseText, detectLanguage, LocalProvider } from "../shared/ai/local";
import { SUMMARY_MAX_CHARS } from "../shared/ai/provider";

const EN =
  "The billing system sent duplicate invoices to forty customers last week. " +
  "Finance noticed the duplicate invoices only after customers complained. " +
  "The weather was pleasant on Tuesday. " +
  "We need a plan to stop duplicate invoices and to refund the affected customers quickly.";

const CS =
  "Náš sklad v Brně opakovaně nemá dostatek obalového materiálu. " +
  "Objednávky se kvůli chybějícímu obalovému materiálu v říjnu třikrát zpozdily. " +
  "Dodavatel tvrdí, že dodávka trvá dva týdny, ale zásoby vydrží jen deset dní.";

describe("the local provider (offline, deterministic, in the Workers runtime)", () => {
  it("detects English and Czech", () => {
    expect(detectLanguage(EN)).toBe("en");
    expect(detectLanguage(CS)).toBe("cs");
    expect(detectLanguage("ok")).toBe("und");
  });

  it("summarises with the sentences that carry the main terms, in their original order", () => {
    const a = analyseText(EN);
    expect(a.stats.sentences).toBe(4);
    expect(a.summary).toContain("duplicate invoices");
    expect(a.summary).not.toContain("weather");
    // Ties are broken alphabetically, so the order is stable.
    expect(a.keywords.slice(0, 3)).toEqual([
      { term: "customers", count: 3 },
      { term: "duplicate", count: 3 },
      { term: "invoices", count: 3 },
    ]);
    expect(a.keywords.map((k) => k.term)).not.toContain("the");
    const first = a.summary.indexOf("billing system");
    const last = a.summary.indexOf("refund");
    expect(first).toBeGreaterThanOrEqual(0);
    expect(last).toBeGreaterThan(first);
  });

  it("uses Czech stop words for Czech text", () => {
    const a = analyseText(CS);
    expect(a.language).toBe("cs");
    const terms = a.keywords.map((k) => k.term);
    expect(terms).toContain("materiálu");
    expect(terms).not.toContain("že");
    expect(a.markdown).toContain("| cs |");
  });

  it("labels its document as made without a language model and is deterministic", async () => {
    const provider = new LocalProvider();
    const one = await provider.analyse({ submissionId: "sub_x", text: EN });
    const two = await provider.analyse({ submissionId: "sub_x", text: EN });
    expect(one).toEqual(two);
    expect(one.provider).toBe("local");
    expect(one.markdown).toMatch(/without a language model/);
    const headings = one.markdown.match(/^## .*$/gm);
    // No passages given: the answer says so, invents nothing, and there are no sources.
    expect(headings).toEqual(["## Answer", "## What we understood", "## What we propose", "## Questions for you"]);
    expect(one.markdown).toContain("## Answer\n\nOur site does not cover this; a person will answer.\n");
  });

  it("keeps the summary within its limit for one very long sentence", () => {
    const a = analyseText(`${"word ".repeat(2000)}end.`);
    expect(a.summary.length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
    expect(a.summary.endsWith("…")).toBe(true);
  });

  it("copes with text that has no sentences or words", () => {
    const a = analyseText("… — !!!");
    expect(a.stats.words).toBe(0);
    expect(a.keywords).toEqual([]);
    expect(a.markdown).toContain("## Summary");
  });
});
