/**
 * The offline answer, with no model: the request's questions and needs (sentences ending in
 * `?`, and need or question cues in English and Czech: "we need", "how much", "how long",
 * "can you", "kolik", "jak dlouho", "potřebujeme", "můžete" …) are each answered with the
 * best sentences of the retrieved passages, quoted with their citations (a table row, named by
 * its column headings, and a list item count as one sentence each). Sentences are scored
 * by BM25 over the passages' sentences against the question's content words (prefix-stemmed,
 * so inflected forms match), with a bonus for sentences holding figures (prices in € or Kč,
 * durations, days, percentages). What we understood and what to ask come from the request.
 * Deterministic, and bounded: only the first `SCAN_CHARS` of the request and `PASSAGE_SCAN`
 * characters of at most `MAX_PASSAGES` passages are read.
 */
import * as stopwords from "stopword";
import { toISO3 } from "tinyld";
import type { RetrievedPassage } from "../retrieval/types";
import type { CitedClaim, StructuredAnalysis } from "./provider";
import { truncate } from "./provider";

const STOPWORDS = stopwords as unknown as Record<string, readonly string[] | undefined>;

export const SCAN_CHARS = 20_000;
export const MAX_NEEDS = 10;
export const MAX_PASSAGES = 20;
export const PASSAGE_SCAN = 4_000;
const MAX_SENTENCES_PER_PASSAGE = 40;
const PER_NEED = 3;

/** Sentences that ask or state a need, in English and Czech. */
const NEED_CUES =
  /(^|[^\p{L}])(need|needs|we want|we would like|we'd like|looking for|how much|how long|how many|how soon|can you|could you|do you|is it possible|what (?:is|are|does|do)|when can|potřebuj\p{L}*|chceme|chtěli bychom|hledáme|kolik|jak dlouho|jak rychle|můžete|mohli byste|nabízíte|je možné|co stojí)([^\p{L}]|$)/iu;

/** Sentences that state a need (what we understood), in English and Czech. */
const REQUIREMENT_CUES =
  /(^|[^\p{L}])(need|needs|must|should|require[sd]?|want|wants|would like|please|expect|has to|have to|looking for|potřebuj\p{L}*|musí\p{L}*|měl\p{L}* by|prosím|chce\p{L}*|hledáme)([^\p{L}]|$)/iu;

/** Figures worth quoting: money and shares, durations. */
const MONEY = /(€|(^|[^\p{L}])(EUR|Kč|CZK)([^\p{L}]|$)|\$|%)/iu;
const DURATION =
  /\d\s*(?:\p{L}+\s+)?(days?|weeks?|months?|hours?|years?|dn[íůy]|den|týdn\p{L}*|týden|měsíc\p{L}*|hodin\p{L}*|let|roky?)([^\p{L}]|$)/iu;
/** Questions that ask for a figure: a price, a duration. Their answer's figure counts as a term. */
const ASKS_MONEY = /(how much|cost|price|pricing|fee|budget|kolik|cen[auyě]|stojí|rozpočet|poplat)/iu;
const ASKS_DURATION = /(how long|how soon|how fast|when|jak dlouho|jak rychle|kdy|za jak)/iu;
/** The pseudo-terms a figure adds to a sentence and a figure question to its query. */
const MONEY_TERM = "\u0000money";
const DURATION_TERM = "\u0000duration";

function segmentSentences(text: string, language: string): string[] {
  const locale = language === "und" ? "en" : language;
  return [...new Intl.Segmenter(locale, { granularity: "sentence" }).segment(text)]
    .map((s) => s.segment.replace(/\s+/g, " ").trim())
    .filter((s) => s.length > 0);
}

/**
 * The quotable units of a passage: each line of a list or table on its own (a table row is a
 * fact: "| Team | €149 | 1,000 requests |"), the sentences of prose paragraphs and quotes.
 * Table rows lose their pipes, list items their bullets, quotes their `>`; separator rows,
 * empty cells and fenced code blocks are dropped.
 */
function units(text: string, language: string): string[] {
  const out: string[] = [];
  let prose: string[] = [];
  const flush = () => {
    if (prose.length > 0) out.push(...segmentSentences(prose.join(" "), language));
    prose = [];
  };
  // A table's header row, once its separator row confirms it: each later row reads "Plan: Team — Price: €149".
  let header: string[] | null = null;
  let previous: string[] | null = null;
  const cellsOf = (line: string) =>
    line
      .replace(/^\|/, "")
      .replace(/\|$/, "")
      .split("|")
      .map((c) => c.trim());
  let fenced = false;
  for (const raw of text.split("\n")) {
    // Code is not a claim to quote: fenced blocks are left out whole.
    if (/^\s*(```|~~~)/.test(raw)) {
      flush();
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    const line = raw.trim().replace(/^>\s?/, "");
    if (line === "") {
      flush();
      header = previous = null;
      continue;
    }
    if (/^\|/.test(line)) {
      flush();
      if (/^\|[\s:|-]+\|?$/.test(line)) {
        // The row above was the header, not a fact of its own.
        if (previous && out.length > 0) out.pop();
        header = previous;
        continue;
      }
      const cells = cellsOf(line);
      previous = cells;
      const named = cells.map((c, i) => (header?.[i] && c ? `${header[i]}: ${c}` : c)).filter(Boolean);
      if (named.length > 0) out.push(named.join(" — "));
      continue;
    }
    header = previous = null;
    if (/^([-*+]|\d+[.)])\s/.test(line)) {
      flush();
      out.push(...segmentSentences(line.replace(/^([-*+]|\d+[.)])\s+/, ""), language));
      continue;
    }
    prose.push(line);
  }
  flush();
  return out;
}

/**
 * Lower-cased content words, stop words out, English inflections (-s, -es, -ed, -ing) cut and
 * the rest cut to a five-letter prefix: a crude stemmer that also joins Czech word forms.
 */
function terms(text: string, stop: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const w of new Intl.Segmenter("en", { granularity: "word" }).segment(text.toLowerCase())) {
    if (!w.isWordLike) continue;
    const word = w.segment;
    if (word.length < 2 || stop.has(word)) continue;
    const stem = word.replace(/(?:ing|ed|es|s)$/u, "");
    out.push(/^\d/.test(word) ? word : [...(stem.length >= 3 ? stem : word)].slice(0, 5).join(""));
  }
  return out;
}

interface Candidate {
  text: string;
  passage: RetrievedPassage;
  order: number;
  tf: Map<string, number>;
  length: number;
  figure: boolean;
}

/** BM25 over the candidate sentences: `k1 = 1.2`, `b = 0.75`. */
function bm25(query: readonly string[], candidates: readonly Candidate[]): number[] {
  const n = candidates.length;
  const avg = candidates.reduce((sum, c) => sum + c.length, 0) / Math.max(n, 1) || 1;
  const df = new Map<string, number>();
  for (const c of candidates) for (const t of c.tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const unique = [...new Set(query)];
  return candidates.map((c) => {
    let score = 0;
    for (const t of unique) {
      const f = c.tf.get(t) ?? 0;
      if (f === 0) continue;
      const d = df.get(t) ?? 0;
      const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
      score += idf * ((f * 2.2) / (f + 1.2 * (0.25 + (0.75 * c.length) / avg)));
    }
    return score > 0 && c.figure ? score * 1.5 : score;
  });
}

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
  const understood = sentences
    .filter((s) => !/[?？]\s*$/.test(s) && REQUIREMENT_CUES.test(s))
    .slice(0, 30)
    .map((s) => truncate(s, 280));

  const candidates: Candidate[] = [];
  for (const passage of (input.passages ?? []).slice(0, MAX_PASSAGES)) {
    const text = passage.text.slice(0, PASSAGE_SCAN).replace(/^#{1,6}\s.*$/gm, "");
    for (const sentence of units(text, language).slice(0, MAX_SENTENCES_PER_PASSAGE)) {
      const words = terms(sentence, stop);
      if (words.length === 0) continue;
      const money = MONEY.test(sentence);
      const duration = DURATION.test(sentence);
      if (money) words.push(MONEY_TERM);
      if (duration) words.push(DURATION_TERM);
      const tf = new Map<string, number>();
      for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
      candidates.push({
        text: truncate(sentence, 400),
        passage,
        order: candidates.length,
        tf,
        length: words.length,
        figure: money || duration,
      });
    }
  }

  const dictionary = language === "cs" ? QUESTIONS.cs : QUESTIONS.en;
  const answer: CitedClaim[] = [];
  const questions: string[] = [];
  const used = new Set<number>();
  for (const need of needs) {
    const query = terms(need, stop);
    if (ASKS_MONEY.test(need)) query.push(MONEY_TERM);
    if (ASKS_DURATION.test(need)) query.push(DURATION_TERM);
    const scores = bm25(query, candidates);
    const best = candidates
      .map((c, i) => ({ c, score: scores[i] ?? 0 }))
      .filter((x) => x.score > 0 && !used.has(x.c.order))
      .sort((a, b) => b.score - a.score || a.c.order - b.c.order)
      .slice(0, PER_NEED)
      // A second sentence only when it is nearly as good as the best: no filler quoted.
      .filter((x, i, all) => i === 0 || x.score >= 0.5 * (all[0]?.score ?? 0));
    if (best.length === 0) {
      if (candidates.length > 0) {
        answer.push({ question: need, text: "Our site does not cover this; a person will answer.", citations: [] });
        questions.push(dictionary.uncovered(truncate(need, 120)));
      }
      continue;
    }
    for (const { c } of best) {
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
