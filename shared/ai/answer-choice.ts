/**
 * Which sentences of the retrieved passages answer one need, for the offline answer
 * (`./local-answer.ts`). Every quotable unit of the passages (`./quotes.ts`) is a candidate,
 * scored by BM25 against the need's content words, normalised to the best candidate's, and
 * lifted by where retrieval ranked its passage: the sentence's words alone pick well inside a
 * passage but poorly across passages. A heading often carries the words of the question
 * ("Office", "How large can files be?") while the sentence under it carries only the answer
 * ("Pernerova 35a …"), so the heading's words also count, at a lower weight, in each of its
 * sentences. Figures (prices, durations, counts: `../retrieval/figures.ts`) are pseudo-terms
 * that a figure question asks for, and such a question is answered by a sentence stating its
 * figure first. A question of several parts ("the price, and how long?") gets the best
 * sentence for each part. Up to `perNeed` sentences are quoted, and a few more that state a
 * figure (a price list's rows). Pure and deterministic; only the first `MAX_PASSAGES`
 * passages, `PASSAGE_SCAN` characters and `MAX_SENTENCES_PER_PASSAGE` units of each are read.
 */

import {
  ASKS_COUNT,
  ASKS_DURATION,
  ASKS_MONEY,
  STATES_COUNT,
  STATES_DURATION,
  STATES_MONEY,
} from "../retrieval/figures";
import type { RetrievedPassage } from "../retrieval/types";
import { truncate } from "./provider";
import { terms, units } from "./quotes";

/**
 * The weights of the blend, chosen by measuring (`npm run eval:answers`, docs/performance.md);
 * a bench may change them to try others.
 */
export const TUNING = {
  /** A heading word's weight in each sentence under it, against 1 for the sentence's own. */
  heading: 0.5,
  /** Retrieval's rank of the passage: `rank / (1 + position)`. */
  rank: 2,
  /** A sentence holding a figure scores this much more. */
  figure: 2,
  /** BM25's length normalisation over sentences (short sentences win less at 0.3 than at 0.75). */
  b: 0.3,
  /** A further sentence needs this share of the best one's score. */
  second: 0.3,
  /** Sentences quoted per need at most… */
  perNeed: 5,
  /** …and this many more when they state a figure (a price list, a price and a duration). */
  extraFigures: 3,
  /** The weight of the words of the sentence before a need that names fewer than `fewTerms`. */
  context: 0.5,
  fewTerms: 4,
};

const MAX_PASSAGES = 20;
const PASSAGE_SCAN = 4_000;
const MAX_SENTENCES_PER_PASSAGE = 40;

const MONEY_TERM = "\u0000money";
const DURATION_TERM = "\u0000duration";
const COUNT_TERM = "\u0000count";

/** Where a question of several parts divides: ", and …", "; …", " and how/what …", " a kolik …". */
const PARTS =
  /[,;]\s*(?:and|or|a|nebo)?\s+|\s+(?:and|or)\s+(?=(?:how|what|which|when|where|who|whom|do|does|did|is|are|can|could|will|would)\b)|\s+(?:a|nebo)\s+(?=(?:jak|kolik|co|kde|kdy|kdo|kter\p{L}*|na\s+jak\p{L}*|proč|je|jsou|můž\p{L}*)(?:[^\p{L}]|$))/iu;

type Weights = Map<string, number>;

interface Doc {
  tf: Weights;
  length: number;
}

export interface Candidate extends Doc {
  text: string;
  passage: RetrievedPassage;
  /** Position among all candidates: ties go to the earlier. */
  order: number;
  /** Index of its passage in retrieval's order. */
  rank: number;
  figure: boolean;
}

export interface Pool {
  candidates: Candidate[];
}

const add = (tf: Weights, words: readonly string[], weight: number) => {
  if (weight > 0) for (const w of words) tf.set(w, (tf.get(w) ?? 0) + weight);
};

/** Every quotable unit of the passages (the first `MAX_PASSAGES`, each read to `PASSAGE_SCAN`). */
export function candidatePool(
  passages: readonly RetrievedPassage[],
  language: string,
  stop: ReadonlySet<string>,
): Pool {
  const pool: Pool = { candidates: [] };
  passages.slice(0, MAX_PASSAGES).forEach((passage, rank) => {
    const text = passage.text.slice(0, PASSAGE_SCAN).replace(/^#{1,6}\s.*$/gm, "");
    const heading = terms(`${passage.section ?? ""} ${passage.title}`, stop);
    for (const unit of units(text, language, passage.id.endsWith("#")).slice(0, MAX_SENTENCES_PER_PASSAGE)) {
      const tf: Weights = new Map();
      let length = 0;
      for (const [part, weight] of unit.words) {
        const words = terms(part, stop);
        add(tf, words, weight);
        length += words.length * weight;
      }
      if (length === 0) continue;
      const figure: string[] = [];
      if (STATES_MONEY.test(unit.text)) figure.push(MONEY_TERM);
      if (STATES_DURATION.test(unit.text)) figure.push(DURATION_TERM);
      if (STATES_COUNT.test(unit.text)) figure.push(COUNT_TERM);
      add(tf, figure, 1);
      add(tf, heading, TUNING.heading);
      pool.candidates.push({
        text: truncate(unit.text, 400),
        passage,
        order: pool.candidates.length,
        rank,
        tf,
        length: length + figure.length + heading.length * TUNING.heading,
        figure: figure.length > 0,
      });
    }
  });
  return pool;
}

/** BM25 (`k1 = 1.2`, `b = TUNING.b`) of weighted query terms over documents. */
function bm25(query: Weights, docs: readonly Doc[]): number[] {
  const n = docs.length;
  const avg = docs.reduce((sum, c) => sum + c.length, 0) / Math.max(n, 1) || 1;
  const df = new Map<string, number>();
  for (const d of docs) for (const t of d.tf.keys()) if (query.has(t)) df.set(t, (df.get(t) ?? 0) + 1);
  return docs.map((doc) => {
    let score = 0;
    for (const [t, weight] of query) {
      const f = doc.tf.get(t) ?? 0;
      if (f === 0) continue;
      const d = df.get(t) ?? 0;
      const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
      score += weight * idf * ((f * 2.2) / (f + 1.2 * (1 - TUNING.b + (TUNING.b * doc.length) / avg)));
    }
    return score;
  });
}

/** The words that ask for a figure ("how much", "cost", "how long", "take"): the figure's pseudo-term stands for them. */
const FIGURE_WORDS = new RegExp(
  `${ASKS_MONEY.source}|${ASKS_DURATION.source}|(^|[^\\p{L}])(takes?|much|long|trv\\p{L}*)([^\\p{L}]|$)`,
  "giu",
);

/**
 * A need's query: its content words, and the figure it asks for. A need that names little of
 * its own ("How much is that, and how long does it take?") is read with the sentence it
 * follows (or, first, the one after it), at a lower weight.
 */
export function needQuery(need: string, stop: ReadonlySet<string>, context = ""): Weights {
  const query: Weights = new Map();
  add(query, [...new Set(terms(need.replace(FIGURE_WORDS, " "), stop))], 1);
  if (query.size < TUNING.fewTerms && context)
    for (const t of new Set(terms(context.replace(FIGURE_WORDS, " "), stop)))
      if (!query.has(t)) query.set(t, TUNING.context);
  if (ASKS_MONEY.test(need)) query.set(MONEY_TERM, 1);
  if (ASKS_DURATION.test(need)) query.set(DURATION_TERM, 1);
  if (ASKS_COUNT.test(need)) query.set(COUNT_TERM, 1);
  return query;
}

/** Each candidate's blended score for a query; 0 when the sentence shares no term with it. */
function blended(pool: Pool, query: Weights): number[] {
  const sentence = bm25(query, pool.candidates);
  const topS = Math.max(...sentence, 0) || 1;
  return pool.candidates.map((c, i) => {
    const s = sentence[i] ?? 0;
    if (s <= 0) return 0;
    return (s / topS) * (c.figure ? TUNING.figure : 1) + TUNING.rank / (1 + c.rank);
  });
}

/** The parts of a need that ask separately, each with content words of its own. */
export function needParts(need: string): string[] {
  const parts = need.split(PARTS).filter((p) => p && /\p{L}{3}/u.test(p));
  return parts.length > 1 ? parts : [];
}

/** The sentences that answer a need, best first; none when no sentence shares a word with it. */
export function chooseQuotes(
  pool: Pool,
  need: string,
  stop: ReadonlySet<string>,
  used: ReadonlySet<number>,
  context = "",
): Candidate[] {
  const rankBy = (query: Weights, reuse = false) => {
    const scores = blended(pool, query);
    return pool.candidates
      .map((c, i) => ({ c, score: scores[i] ?? 0 }))
      .filter((x) => x.score > 0 && (reuse || !used.has(x.c.order)))
      .sort((a, b) => b.score - a.score || a.c.order - b.c.order);
  };
  const asked = needQuery(need, stop, context);
  const fresh = rankBy(asked);
  // A sentence an earlier need quoted may answer this one too: better quoted twice than "not covered".
  const whole = fresh.length > 0 ? fresh : rankBy(asked, true).slice(0, 1);
  const top = whole[0]?.score ?? 0;
  const chosen: Candidate[] = [];
  // Up to `perNeed` sentences, and `extraFigures` more that state a figure.
  const take = (c: Candidate | undefined) => {
    if (!c || chosen.includes(c)) return;
    const limit = TUNING.perNeed + (c.figure ? TUNING.extraFigures : 0);
    if (chosen.length < limit) chosen.push(c);
  };
  // A question asking a price or a duration is answered by a sentence that states one: the
  // need's best such sentence comes first, whatever its share of the best score.
  for (const figure of [MONEY_TERM, DURATION_TERM, COUNT_TERM])
    if (asked.has(figure)) take(whole.find((x) => x.c.tf.has(figure))?.c);
  // A part's best sentence first, when it also answers the whole need well enough.
  for (const part of needParts(need)) {
    const query = needQuery(part, stop);
    if ([...query.keys()].every((t) => t.startsWith("\u0000"))) continue;
    const best = rankBy(query)[0];
    const inWhole = whole.find((x) => x.c === best?.c);
    if (inWhole && inWhole.score >= TUNING.second * top) take(best?.c);
  }
  for (const x of whole) if (x.score >= TUNING.second * top) take(x.c);
  return chosen.sort((a, b) => whole.findIndex((x) => x.c === a) - whole.findIndex((x) => x.c === b));
}
