/**
 * The offline answer, with no model: the request's questions and needs (sentences ending in
 * `?`, and need or question cues in English and Czech: "we need", "how much", "how long",
 * "can you", "kolik", "jak dlouho", "potřebujeme", "můžete" …) are each answered with the
 * best sentences of the retrieved passages, quoted with their citations. Which sentences is
 * decided in `./answer-choice.ts` (BM25 over the passages' quotable units, blended with the
 * passage's match and rank, figures first when a price or a duration is asked); what a unit
 * is, in `./quotes.ts`. Each need is read with the sentence before it, for a question that
 * names little of its own ("How do I do that?"). What we understood and what to ask come from
 * the request. Deterministic, and bounded: only the first `SCAN_CHARS` of the request is read,
 * and `answer-choice.ts` bounds what it reads of the passages.
 */
import * as stopwords from "stopword";
import { toISO3 } from "tinyld";
import type { RetrievedPassage } from "../retrieval/types";
import { candidatePool, chooseQuotes } from "./answer-choice";
import type { CitedClaim, StructuredAnalysis } from "./provider";
import { truncate } from "./provider";
import { segmentSentences } from "./quotes";

const STOPWORDS = stopwords as unknown as Record<string, readonly string[] | undefined>;

export const SCAN_CHARS = 20_000;
export const MAX_NEEDS = 10;

/** Sentences that ask or state a need, in English and Czech. */
const NEED_CUES =
  /(^|[^\p{L}])(need|needs|we want|we would like|we'd like|looking for|how much|how long|how many|how soon|can you|could you|do you|is it possible|what (?:is|are|does|do)|when can|potřebuj\p{L}*|chceme|chtěli bychom|hledáme|kolik|jak dlouho|jak rychle|můžete|mohli byste|nabízíte|je možné|co stojí)([^\p{L}]|$)/iu;

/** Sentences that state a need (what we understood), in English and Czech. */
const REQUIREMENT_CUES =
  /(^|[^\p{L}])(need|needs|must|should|require[sd]?|want|wants|would like|please|expect|has to|have to|looking for|potřebuj\p{L}*|musí\p{L}*|měl\p{L}* by|prosím|chce\p{L}*|hledáme)([^\p{L}]|$)/iu;

const QUESTIONS = {
  en: {
    timeline: "By when do you need this?",
    budget: "What budget do you have in mind?",
    uncovered: (q: string) => `Our site does not cover "${q}": can you tell us more, so a person can answer it?`,
    notice: "Could you write down what the voice note says? We could not transcribe it.",
  },
  cs: {
    timeline: "Do kdy to potřebujete?",
    budget: "S jakým rozpočtem počítáte?",
    uncovered: (q: string) => `Na našem webu nic o „${q}“ není: napíšete nám víc, aby mohl odpovědět člověk?`,
    notice: "Můžete nám napsat, co je v hlasové zprávě? Nepodařilo se ji přepsat.",
  },
};

const TIMELINE =
  /(deadline|\bby\b|\bwhen\b|\bweeks?\b|\bmonths?\b|\bdays?\b|asap|urgent|\d{4}|termín|do kdy|týdn|měsíc|dn[ůíy]|brzy|co nejdřív|\bdo \d)/iu;
const BUDGET = /(€|\bEUR\b|\bKč\b|\bCZK\b|\$|budget|price|cost|how much|rozpočet|cen[aouy]|kolik|stojí)/iu;

/**
 * The grounded structure offline: the answer from the passages, the rest from the request.
 * `summary` and `language` come from the extractive analyser (`./local.ts`).
 */
export function localStructure(input: {
  text: string;
  summary: string;
  language: string;
  passages?: readonly RetrievedPassage[];
  notices?: readonly string[];
}): StructuredAnalysis {
  const { summary, language } = input;
  const scanned = input.text.replace(/\r\n?/g, "\n").slice(0, SCAN_CHARS);
  const stop = new Set([...(STOPWORDS[toISO3(language) ?? ""] ?? []), ...(STOPWORDS.eng ?? [])]);
  const sentences = segmentSentences(scanned, language).filter((s) => !s.startsWith("#"));
  // Questions first, then the needs stated: a question asks for the answer most directly.
  const asked = (s: string) => /[?？]\s*$/.test(s);
  const needs = [...sentences.filter(asked), ...sentences.filter((s) => !asked(s) && NEED_CUES.test(s))]
    .slice(0, MAX_NEEDS)
    .map((s) => truncate(s, 280));
  // The sentence before each need: what a need like "How do I do that?" refers to.
  const context = new Map<string, string>();
  sentences.forEach((s, i) => {
    const need = truncate(s, 280);
    if (needs.includes(need) && !context.has(need)) context.set(need, sentences[i > 0 ? i - 1 : i + 1] ?? "");
  });
  const understood = sentences
    .filter((s) => !/[?？]\s*$/.test(s) && REQUIREMENT_CUES.test(s))
    .slice(0, 30)
    .map((s) => truncate(s, 280));

  const pool = candidatePool(input.passages ?? [], language, stop);

  const dictionary = language === "cs" ? QUESTIONS.cs : QUESTIONS.en;
  const answer: CitedClaim[] = [];
  const questions: string[] = [];
  const used = new Set<number>();
  for (const need of needs) {
    const best = chooseQuotes(pool, need, stop, used, context.get(need));
    if (best.length === 0) {
      if (pool.candidates.length > 0) {
        answer.push({ question: need, text: "Our site does not cover this; a person will answer.", citations: [] });
        questions.push(dictionary.uncovered(truncate(need, 120)));
      }
      continue;
    }
    for (const c of best) {
      used.add(c.order);
      answer.push({ question: need, text: c.text, citations: [c.passage.id] });
    }
  }

  // What to propose: the pages the answer rests on, best first.
  const proposals: CitedClaim[] = [];
  const proposed = new Set<string>();
  for (const claim of answer) {
    const id = claim.citations[0];
    const passage = id === undefined ? undefined : (input.passages ?? []).find((p) => p.id === id);
    if (!passage || proposed.has(passage.title) || proposals.length >= 3) continue;
    proposed.add(passage.title);
    proposals.push({
      text: passage.section ? `${passage.title} — ${passage.section}` : passage.title,
      citations: [passage.id],
    });
  }

  if (!TIMELINE.test(scanned)) questions.push(dictionary.timeline);
  if (!BUDGET.test(scanned)) questions.push(dictionary.budget);
  if ((input.notices ?? []).length > 0) questions.push(dictionary.notice);

  const grounded = answer.some((a) => a.citations.length > 0);
  return {
    summary: summary || truncate(scanned.trim(), 500) || "(empty request)",
    answer: grounded ? answer : [],
    understood,
    proposals,
    questions: questions.slice(0, 30),
  };
}
