/**
 * Retrieval: the passages of our site that bear on a request, for the pipeline's `retrieve`
 * step. `RETRIEVAL_BACKEND` chooses as `SEARCH_BACKEND` does for site search: `d1` (default;
 * anything unknown means it, so a typo never breaks answers), `vectorize`, or `hybrid` (both,
 * fused by reciprocal rank, `fuse.ts`). The request's locale is preferred, but strong passages
 * of the other locale stay when the locale has few; at most `PER_PAGE` passages of one page.
 * A request asking a price or a duration prefers the passages that state one (`preferFigures`).
 */
import { d1Retrieval, type RetrievalBackend, siblingPassages, vectorizeRetrieval } from "./backends";
import { figuresAsked, STATES_DURATION, STATES_MONEY } from "./figures";
import { fuseRankings } from "./fuse";
import { buildQuery } from "./query";
import type { Retrieval, RetrievedPassage } from "./types";

export { buildQuery } from "./query";

/** At most this many passages of one page in a result. */
export const PER_PAGE = 2;
/** Candidates read per backend before the locale and per-page choices. */
const CANDIDATES = 40;
/** An other-locale passage is kept when the locale has too few and it scores this share of the best. */
const STRONG_SHARE = 0.5;
/** What stating an asked-for figure adds to a candidate's score, as a share of the best candidate's. */
export const FIGURE_BONUS = 0.5;

export interface RetrieveOptions {
  /** The request's language (ISO 639-1); `und` or absent means no preference. */
  locale?: string;
  limit?: number;
  signal?: AbortSignal;
}

/** The bindings retrieval reads. */
export type RetrievalEnv = Pick<Env, "DB" | "AI" | "PASSAGES_INDEX"> & { RETRIEVAL_BACKEND?: string };

/** The configured backends: one, or two to fuse. */
export function retrievalBackends(env: RetrievalEnv): RetrievalBackend[] {
  const choice = env.RETRIEVAL_BACKEND;
  if (choice === "vectorize") return [vectorizeRetrieval(env)];
  if (choice === "hybrid") return [d1Retrieval(env.DB), vectorizeRetrieval(env)];
  return [d1Retrieval(env.DB)];
}

/**
 * The final choice from ranked candidates (best first): per page at most `PER_PAGE`, the
 * preferred locale first; the other locale's passages only while the result is short and
 * only those scoring at least `STRONG_SHARE` of the best candidate. Ordered by score.
 */
export function choosePassages(
  ranked: readonly RetrievedPassage[],
  locale: string | undefined,
  limit: number,
): RetrievedPassage[] {
  const perPage = new Map<string, number>();
  const capped = ranked.filter((p) => {
    const page = p.url.split("#")[0] ?? p.url;
    const n = perPage.get(page) ?? 0;
    perPage.set(page, n + 1);
    return n < PER_PAGE;
  });
  if (!locale || locale === "und") return capped.slice(0, limit);
  const best = ranked[0]?.score ?? 0;
  const own = capped.filter((p) => p.locale === locale).slice(0, limit);
  const others = capped.filter((p) => p.locale !== locale && p.score >= best * STRONG_SHARE);
  const chosen = [...own, ...others.slice(0, Math.max(0, limit - own.length))];
  const order = new Map(capped.map((p, i) => [p.id, i]));
  return chosen.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

/** Pages whose other sections are looked at for an asked-for figure (`preferFigures`). */
export const FIGURE_PAGES = 2;
/** A sibling section starts at this share of its page's best candidate, before its figure bonus. */
const SIBLING_SHARE = 0.5;

/** The `locale:slug` of a passage, from its id `<locale>:<slug>#<anchor>`. */
const pageKey = (p: RetrievedPassage) => p.id.split("#")[0] ?? p.id;

/** The first `n` pages among ranked candidates (the locale's first), as `{ locale, slug }`. */
export function topPages(ranked: readonly RetrievedPassage[], locale: string | undefined, n = FIGURE_PAGES) {
  const own = ranked.filter((p) => !locale || locale === "und" || p.locale === locale);
  const keys = [...new Set((own.length > 0 ? own : ranked).map(pageKey))].slice(0, n);
  return keys.map((k) => {
    const at = k.indexOf(":");
    return { locale: k.slice(0, at), slug: k.slice(at + 1) };
  });
}

/**
 * Candidates re-ranked for what the request asks: a request asking a price ("how much", "kolik
 * stojí") or a duration ("how long") lifts the passages that state one (`./figures.ts`) by
 * `FIGURE_BONUS` of the best score each — the words of the question rarely name the section
 * ("Price", "Timeline") that holds the answer. For the same reason the other sections of the
 * best pages (`siblings`, from `topPages`) that state the figure join the candidates, at
 * `SIBLING_SHARE` of their page's best score plus the bonus: the page is the topic, its price
 * section the answer, even when that section shares no word with the request. Scores become
 * shares of the best candidate's.
 */
export function preferFigures(
  ranked: readonly RetrievedPassage[],
  request: string,
  siblings: readonly RetrievedPassage[] = [],
): RetrievedPassage[] {
  const asks = figuresAsked(request);
  const top = ranked[0]?.score || 1;
  if (!asks.money && !asks.duration) return [...ranked];
  const bonus = (p: RetrievedPassage) =>
    (asks.money && STATES_MONEY.test(p.text) ? FIGURE_BONUS : 0) +
    (asks.duration && STATES_DURATION.test(p.text) ? FIGURE_BONUS : 0);
  const pageBest = new Map<string, number>();
  for (const p of ranked) pageBest.set(pageKey(p), Math.max(pageBest.get(pageKey(p)) ?? 0, p.score / top));
  const known = new Set(ranked.map((p) => p.id));
  const joined = siblings.flatMap((p) =>
    known.has(p.id) || bonus(p) === 0 ? [] : [{ ...p, score: SIBLING_SHARE * (pageBest.get(pageKey(p)) ?? 0) * top }],
  );
  return [...ranked, ...joined]
    .map((p, i) => ({ p: { ...p, score: Math.round((p.score / top + bonus(p)) * 1000) / 1000 }, i }))
    .sort((a, b) => b.p.score - a.p.score || a.i - b.i)
    .map((x) => x.p);
}

/** The passages for a request's parts (request text, transcript, documents). */
export async function retrieve(env: RetrievalEnv, parts: string[], options: RetrieveOptions = {}): Promise<Retrieval> {
  const limit = Math.max(1, Math.min(options.limit ?? 6, 20));
  const query = buildQuery(parts, { locale: options.locale });
  const text = parts.join("\n\n").slice(0, 4_000);
  if (!query.match) return { query: "", passages: [] };
  const rankings: RetrievedPassage[][] = [];
  for (const backend of retrievalBackends(env)) {
    options.signal?.throwIfAborted();
    rankings.push(await backend.search(query, text, CANDIDATES));
  }
  const fused = rankings.length === 1 ? (rankings[0] ?? []) : fuseRankings(rankings);
  const asks = figuresAsked(text);
  const siblings = asks.money || asks.duration ? await siblingPassages(env.DB, topPages(fused, options.locale)) : [];
  const ranked = preferFigures(fused, text, siblings);
  return { query: query.terms.join(" "), passages: choosePassages(ranked, options.locale, limit) };
}
