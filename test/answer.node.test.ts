/**
 * The grounded answer without a model: the one composer (`shared/ai/document.ts`) and the
 * offline answer (`shared/ai/local-answer.ts`, through the real `LocalProvider`), fed with
 * passages the tests build themselves (never the demo content), and the emailed result.
 */
import { describe, expect, it } from "vitest";
import { absoluteUrl, composeDocument, NOT_COVERED, sourcesOf } from "../shared/ai/document";
import { LocalProvider } from "../shared/ai/local";
import { localStructure, MAX_NEEDS } from "../shared/ai/local-answer";
import type { StructuredAnalysis } from "../shared/ai/provider";
import { defaultTemplate, renderFor } from "../shared/notifications/templates";
import type { RetrievedPassage } from "../shared/retrieval/types";

const passage = (id: string, title: string, section: string | null, text: string, score = 1): RetrievedPassage => ({
  id,
  locale: id.split(":")[0] ?? "en",
  title,
  section,
  url: `/${id.split(":")[1]?.replace("#", "/#") ?? ""}`,
  text,
  score,
});

const BOOKING = passage(
  "en:services/booking#pricing",
  "Online booking",
  "Pricing",
  "Our online booking system suits clinics of any size. Online booking costs €1,200 per clinic, with SMS reminders at €0.05 per message. Clinics love it.",
  3,
);
const TIMELINE = passage(
  "en:services/booking#delivery",
  "Online booking",
  "Delivery",
  "We listen first. Setting up online booking takes 10 working days per clinic. Training is included.",
  2,
);
const UNRELATED = passage(
  "en:about#team",
  "About us",
  "Team",
  "Our team of twelve people works from Brno and Prague. We enjoy coffee.",
  1,
);
const PASSAGES = [BOOKING, TIMELINE, UNRELATED];

const REQUEST =
  "We run three dental clinics and need online booking with SMS reminders. How much does it cost? How long does the setup take?";

const BASE = "https://statex.example";

describe("the composer", () => {
  const structured: StructuredAnalysis = {
    summary: "Three clinics want online booking.",
    answer: [
      { question: "How much?", text: "€1,200 per clinic.", citations: ["en:services/booking#pricing", "en:ghost#x"] },
      { question: "How long?", text: "Ten working days [7].", citations: ["en:services/booking#delivery"] },
    ],
    understood: ["Online booking for three clinics."],
    proposals: [{ text: "Online booking", citations: ["en:services/booking#delivery"] }],
    questions: ["By when?"],
  };

  it("renders the sections in order, numbers citations in order of use and links absolutely", () => {
    const { markdown, sources } = composeDocument({
      structured,
      passages: PASSAGES,
      label: "Test label.",
      baseUrl: `${BASE}/`,
    });
    expect(markdown.match(/^## .*$/gm)).toEqual([
      "## Answer",
      "## What we understood",
      "## What we propose",
      "## Questions for you",
      "## Sources",
    ]);
    // The unknown id is dropped, the fake `[7]` written into the text is removed.
    expect(markdown).toContain(
      "**How much?**\n\n- €1,200 per clinic. [1]\n\n**How long?**\n\n- Ten working days . [2]",
    );
    expect(markdown).toContain("## What we propose\n\n- Online booking [2]");
    expect(markdown).toContain(
      "## Sources\n\n1. [Online booking — Pricing](https://statex.example/services/booking/#pricing)\n2. [Online booking — Delivery](https://statex.example/services/booking/#delivery)\n",
    );
    expect(sources).toEqual([
      {
        n: 1,
        title: "Online booking",
        section: "Pricing",
        url: "https://statex.example/services/booking/#pricing",
        locale: "en",
        score: 3,
      },
      {
        n: 2,
        title: "Online booking",
        section: "Delivery",
        url: "https://statex.example/services/booking/#delivery",
        locale: "en",
        score: 2,
      },
    ]);
  });

  it("says plainly that the site does not cover an empty answer, and omits Sources", () => {
    const { markdown, sources } = composeDocument({
      structured: { ...structured, answer: [], proposals: [] },
      passages: [],
      label: "x",
      notices: ["The voice note could not be transcribed offline."],
    });
    expect(markdown).toContain(`## Answer\n\n${NOT_COVERED}\n`);
    expect(markdown).not.toContain("## Sources");
    expect(markdown).toContain("> x\n\n> The voice note could not be transcribed offline.\n\n## Answer");
    expect(sources).toEqual([]);
  });

  it("never links a passage URL that is not site-relative, and escapes brackets in titles", () => {
    expect(absoluteUrl("//evil.example/x", BASE)).toBeNull();
    expect(absoluteUrl("javascript:alert(1)", BASE)).toBeNull();
    expect(absoluteUrl("/ok/#a", BASE)).toBe("https://statex.example/ok/#a");
    const hostile = { ...BOOKING, title: "Evil](javascript:alert(1)) [x", url: "//evil.example/" };
    const { markdown, sources } = composeDocument({
      structured: { ...structured, answer: [{ text: "Claim.", citations: [hostile.id] }], proposals: [] },
      passages: [hostile],
      label: "x",
      baseUrl: BASE,
    });
    expect(sources[0]?.url).toBe("");
    expect(markdown).toContain("1. Evil\\](javascript:alert(1)) \\[x — Pricing\n");
    expect(sourcesOf(structured, [], BASE).sources).toEqual([]);
  });
});

describe("the offline answer", () => {
  it("answers each question of the request from the passages, quoting figures, with citations", async () => {
    const analysis = await new LocalProvider().analyse({ submissionId: "s", text: REQUEST, passages: PASSAGES });
    const { answer } = analysis.structured;
    const forCost = answer.filter((a) => a.question === "How much does it cost?");
    const forTime = answer.filter((a) => a.question === "How long does the setup take?");
    expect(forCost[0]).toEqual({
      question: "How much does it cost?",
      text: "Online booking costs €1,200 per clinic, with SMS reminders at €0.05 per message.",
      citations: ["en:services/booking#pricing"],
    });
    expect(forTime[0]).toEqual({
      question: "How long does the setup take?",
      text: "Setting up online booking takes 10 working days per clinic.",
      citations: ["en:services/booking#delivery"],
    });
    // Nothing from the unrelated passage is cited.
    expect(answer.flatMap((a) => a.citations)).not.toContain("en:about#team");
    expect(analysis.structured.understood).toEqual([
      "We run three dental clinics and need online booking with SMS reminders.",
    ]);
    // The request names no deadline: that is asked. It asks about cost, so no budget question.
    expect(analysis.structured.questions).toContain("By when do you need this?");
    expect(analysis.structured.questions).not.toContain("What budget do you have in mind?");
    expect(analysis.cited.map((c) => c.id)).toEqual(["en:services/booking#pricing", "en:services/booking#delivery"]);
    expect(analysis.markdown).toContain("€1,200 per clinic, with SMS reminders at €0.05 per message. [1]");
    expect(analysis.markdown).toContain("## Sources\n\n1. [Online booking — Pricing](/services/booking/#pricing)");
    // The need stated is answered too, from the passages: not the request quoted back.
    const forNeed = answer.filter((a) => a.question?.startsWith("We run three dental clinics"));
    expect(forNeed.length).toBeGreaterThan(0);
    for (const claim of answer) expect(REQUEST).not.toContain(claim.text);
    expect(answer.every((a) => a.citations.length === 1)).toBe(true);
    // Deterministic.
    expect(await new LocalProvider().analyse({ submissionId: "s", text: REQUEST, passages: PASSAGES })).toEqual(
      analysis,
    );
  });

  it("detects Czech questions and needs and answers them from Czech passages", () => {
    const cs = passage(
      "cs:sluzby/rezervace#cena",
      "Online rezervace",
      "Cena",
      "Rezervační systém je pro ordinace. Online rezervace stojí 30 000 Kč za ordinaci. Nastavení trvá 10 dní.",
    );
    const structured = localStructure({
      text: "Potřebujeme online rezervace pro tři ordinace. Kolik stojí online rezervace a jak dlouho trvá nastavení",
      summary: "Rezervace.",
      language: "cs",
      passages: [cs],
    });
    expect(structured.answer.map((a) => a.text)).toContain("Online rezervace stojí 30 000 Kč za ordinaci.");
    expect(structured.answer.every((a) => a.citations.every((c) => c === cs.id))).toBe(true);
    expect(structured.understood[0]).toBe("Potřebujeme online rezervace pro tři ordinace.");
  });

  it("quotes a table row with its column names and a list item on its own, never the whole table or code", () => {
    const plans = passage(
      "en:pricing#plans",
      "Pricing",
      "Plans",
      [
        "Three plans, billed monthly.",
        "",
        "| Plan | Price per month | Requests included |",
        "| ---- | --------------- | ----------------- |",
        "| Starter | €49 | 200 requests |",
        "| Team | €149 | 1,000 requests |",
        "",
        "- Extra requests on the Team plan cost €0.20 each.",
        "- Annual billing saves two months.",
        "",
        "```sh",
        'curl -d \'{"text": "How much does the Team plan cost per month?"}\' https://statex.example/v1/submissions',
        "```",
      ].join("\n"),
    );
    const structured = localStructure({
      text: "How much does the Team plan cost per month?",
      summary: "Team plan price.",
      language: "en",
      passages: [plans],
    });
    const quoted = structured.answer.map((a) => a.text);
    expect(quoted).toContain("Plan: Team — Price per month: €149 — Requests included: 1,000 requests");
    expect(quoted.some((q) => q.includes("Starter") && q.includes("Team"))).toBe(false);
    expect(quoted.every((q) => !q.includes("|") && !q.includes("---") && !q.includes("curl"))).toBe(true);
  });

  it("invents nothing when no passage is relevant", async () => {
    const analysis = await new LocalProvider().analyse({
      submissionId: "s",
      text: "How much does a quantum flux capacitor cost?",
      passages: [UNRELATED],
    });
    expect(analysis.structured.answer).toEqual([]);
    expect(analysis.cited).toEqual([]);
    expect(analysis.markdown).toContain(`## Answer\n\n${NOT_COVERED}`);
    expect(analysis.markdown).not.toContain("## Sources");
  });

  it("shows a notice once and asks for the voice note, keeping it out of the answer", async () => {
    const notice = 'The voice note "memo.mp3" could not be transcribed offline.';
    const analysis = await new LocalProvider().analyse({
      submissionId: "s",
      text: "Please see the voice note.",
      notices: [notice],
    });
    expect(analysis.markdown.split(notice)).toHaveLength(2);
    expect(analysis.structured.questions).toContain(
      "Could you write down what the voice note says? We could not transcribe it.",
    );
    expect(analysis.summary).not.toContain('voice note "memo.mp3"');
  });

  it("bounds its cost on a hostile request and many large passages", () => {
    const text = "How much does it cost? ".repeat(5_000);
    const many = Array.from({ length: 500 }, (_, i) =>
      passage(`en:p${i}#s`, `Page ${i}`, "S", "Cost is €5 per cost unit. ".repeat(2_000)),
    );
    const started = performance.now();
    const structured = localStructure({ text, summary: "s", language: "en", passages: many });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(new Set(structured.answer.map((a) => a.question)).size).toBeLessThanOrEqual(MAX_NEEDS);
    // Only the first passages are read.
    expect(structured.answer.flatMap((a) => a.citations).every((id) => Number(id.slice(4, -2)) < 20)).toBe(true);
  });
});

describe("the emailed result", () => {
  it("carries the sources as links in both the HTML and the text part", async () => {
    const analysis = await new LocalProvider().analyse({ submissionId: "s", text: REQUEST, passages: PASSAGES });
    const { markdown } = composeDocument({
      structured: analysis.structured,
      passages: analysis.cited,
      label: analysis.label,
      baseUrl: BASE,
    });
    const rendered = renderFor(
      "email",
      defaultTemplate("submission.completed", "email", "en"),
      { name: "Ada", id: "sub_1", link: `${BASE}/app/requests/sub_1`, requestId: "r", summary: "s", result: markdown },
      { locale: "en" },
    );
    expect(rendered.html).toMatch(
      /<a href="https:\/\/statex\.example\/services\/booking\/#pricing"[^>]*>Online booking — Pricing<\/a>/,
    );
    expect(rendered.text).toContain("1. [Online booking — Pricing](https://statex.example/services/booking/#pricing)");
  });
});
