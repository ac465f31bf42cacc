/**
 * The offline answer's sentence choice and the composer's links, in workerd: a price or a
 * duration question answered by a sentence stating one, a price list quoted beyond the usual
 * three sentences, a wrapped list item and an abbreviation kept whole, a page's description
 * never quoted, a question that names little read with the sentence before it, nothing
 * invented when nothing matches, and the links of quoted sentences made absolute for mail.
 * The passages are the test's own, never the demo content.
 */
import { describe, expect, it } from "vitest";
import { TUNING } from "../shared/ai/answer-choice";
import { absoluteLinks, composeDocument, NOT_COVERED } from "../shared/ai/document";
import { LocalProvider } from "../shared/ai/local";
import { localStructure } from "../shared/ai/local-answer";
import type { RetrievedPassage } from "../shared/retrieval/types";

const passage = (id: string, title: string, section: string | null, text: string, score = 1): RetrievedPassage => {
  const [locale = "en", rest = ""] = id.split(":");
  const [slug = "", anchor = ""] = rest.split("#");
  return { id, locale, title, section, url: anchor ? `/${slug}/#${anchor}` : `/${slug}/`, text, score };
};

const answerOf = (text: string, passages: RetrievedPassage[]) =>
  localStructure({ text, summary: "", language: "en", passages }).answer;

const BASE = "https://statex.example";

describe("the offline answer's sentence choice", () => {
  it("answers a price question with the sentence that states a price, before one sharing more words", () => {
    const answer = answerOf("How much does a garden website cost?", [
      passage(
        "en:gardens#about",
        "Garden websites",
        "About",
        "A garden website shows your garden, your garden plants and your garden services on a website.",
      ),
      passage("en:gardens#price", "Garden websites", "Price", "It starts at €2,300 for up to eight pages."),
    ]);
    expect(answer[0]).toEqual({
      question: "How much does a garden website cost?",
      text: "It starts at €2,300 for up to eight pages.",
      citations: ["en:gardens#price"],
    });
  });

  it("quotes a price list beyond the sentences a need gets: more rows while they state a figure, to a cap", () => {
    const plans = ["Bronze", "Silver", "Gold", "Platinum", "Diamond", "Titan", "Opal", "Jade", "Onyx", "Ruby", "Zinc"];
    const table = [
      "| Plan   | Price per month |",
      "| ------ | --------------- |",
      ...plans.map((name, i) => `| ${name} | €${(i + 1) * 10} |`),
    ].join("\n");
    const answer = answerOf("What does each plan cost per month?", [
      passage("en:plans#prices", "Plans", "Prices", table),
    ]);
    const cap = TUNING.perNeed + TUNING.extraFigures;
    expect(cap).toBeLessThan(plans.length);
    expect(answer.map((a) => a.text)).toEqual(
      plans.slice(0, cap).map((name, i) => `Plan: ${name} — Price per month: €${(i + 1) * 10}`),
    );
  });

  it("keeps a wrapped list item and an abbreviated title whole, and never quotes the page's description", () => {
    const answer = answerOf("Who is your data officer, and what should a bakery start with?", [
      passage(
        "en:bakeries#",
        "Bakeries",
        null,
        "> What we build for bakeries, and who your data officer is.\n\nOur data officer is **Mgr. Jana Nováková**, reachable by mail.\n\n- A bakery that wants online orders should start with\n  **the order form** on its own site.",
      ),
    ]);
    const texts = answer.map((a) => a.text);
    expect(texts).toContain("Our data officer is **Mgr. Jana Nováková**, reachable by mail.");
    expect(texts).toContain("A bakery that wants online orders should start with **the order form** on its own site.");
    expect(texts.join(" ")).not.toContain("What we build for bakeries");
  });

  it("keeps a dotted company form whole: no sentence ends inside 's.r.o.'", () => {
    const answer = answerOf("What is the bakery's address?", [
      passage("en:bakeries#address", "Bakeries", "Address", "**Pekárna s.r.o.**, Main Street 1, Brno. Open daily."),
    ]);
    expect(answer.map((a) => a.text)).toContain("**Pekárna s.r.o.**, Main Street 1, Brno.");
  });

  it("answers a duration question with a duration, never with a rate per hour", () => {
    const answer = answerOf("How long does a bakery website take?", [
      passage("en:bakeries#rates", "Bakery websites", "Rates", "Changes to a bakery website cost €95 per hour."),
      passage("en:bakeries#timeline", "Bakery websites", "Timeline", "Building one takes 3 weeks."),
    ]);
    expect(answer[0]).toMatchObject({ text: "Building one takes 3 weeks.", citations: ["en:bakeries#timeline"] });
  });

  it("reads a question that names little with the sentence before it", () => {
    const answer = answerOf("I want my bakery account closed for good. How do I do that?", [
      passage("en:help#close", "Help", "Closing an account", "Press Close account in your settings to close it."),
      passage("en:help#hours", "Help", "Opening hours", "We are open from 9:00 every weekday."),
    ]);
    expect(answer[0]).toMatchObject({
      question: "How do I do that?",
      text: "Press Close account in your settings to close it.",
      citations: ["en:help#close"],
    });
  });

  it("invents nothing and cites nothing when no passage shares a word with the request", async () => {
    const passages = [passage("en:bakeries#prices", "Bakeries", "Prices", "Bread costs €3 a loaf.")];
    const analysis = await new LocalProvider().analyse({
      submissionId: "sub_x",
      text: "Do you repair tractors?",
      passages,
    });
    const { markdown, sources } = composeDocument({
      structured: analysis.structured ?? { summary: "", answer: [], understood: [], proposals: [], questions: [] },
      passages: analysis.cited ?? [],
      label: "x",
      baseUrl: BASE,
    });
    expect(sources).toEqual([]);
    expect(markdown.split("## ")[1]).toContain(NOT_COVERED);
    expect(markdown).not.toContain("€3");
    expect(markdown).not.toContain("## Sources");
  });
});

describe("links in quoted sentences", () => {
  it("makes site-relative links absolute under the site's origin, so they work in mail", () => {
    const passages = [
      passage(
        "en:bakeries#prices",
        "Bakeries",
        "Prices",
        "An order form costs €900; see [our pricing](/pricing/#forms) and [examples](/cs/work/).",
      ),
    ];
    const structured = localStructure({ text: "What does an order form cost?", summary: "", language: "en", passages });
    const { markdown } = composeDocument({ structured, passages, label: "x", baseUrl: `${BASE}/` });
    expect(markdown).toContain(
      "- An order form costs €900; see [our pricing](https://statex.example/pricing/#forms) and [examples](https://statex.example/cs/work/). [1]",
    );
    expect(markdown).not.toContain("](/");
  });

  it("keeps http(s) and mailto links, and reduces the rest to their label so the sentence still reads", () => {
    expect(absoluteLinks("Start with [web development](/services/web/).", BASE)).toBe(
      "Start with [web development](https://statex.example/services/web/).",
    );
    expect(absoluteLinks("Start with [web development][1].", BASE)).toBe("Start with web development.");
    expect(absoluteLinks("Start with [web development](javascript:alert(1)).", BASE)).toBe(
      "Start with web development.",
    );
    expect(absoluteLinks("Start with [web development](//evil.example/x).", BASE)).toBe("Start with web development.");
    expect(absoluteLinks("See ![the map](/map.png) or [mail us](mailto:hi@statex.example).", BASE)).toBe(
      "See the map or [mail us](mailto:hi@statex.example).",
    );
    expect(absoluteLinks("Read [the docs](https://docs.example/x).", BASE)).toBe(
      "Read [the docs](https://docs.example/x).",
    );
    // Without a public origin the link stays site-relative rather than breaking.
    expect(absoluteLinks("Start with [web development](/services/web/).", "")).toBe(
      "Start with [web development](/services/web/).",
    );
  });

  it("reads hostile link syntax in linear time: unclosed brackets and parentheses, nested, 1 MB", () => {
    const hostile = [
      "[".repeat(500_000),
      "[a](".repeat(250_000),
      `[x](/${"(".repeat(300_000)}`,
      `[${"]".repeat(1000)}](${"/a".repeat(100_000)})`,
    ];
    for (const text of hostile) {
      const out = absoluteLinks(text, BASE);
      expect(out.length).toBeLessThanOrEqual(text.length + BASE.length * 2);
    }
  });

  it("does not take a link labelled with a number for a citation", () => {
    const structured = {
      summary: "",
      answer: [{ question: "Which step?", text: "Begin at step [2](/process/#2).", citations: [] }],
      understood: [],
      proposals: [],
      questions: [],
    };
    const { markdown } = composeDocument({ structured, passages: [], label: "x", baseUrl: BASE });
    expect(markdown).toContain("- Begin at step [2](https://statex.example/process/#2).");
  });
});
