/**
 * A request made into a retrieval query. Every outside word is hostile, so the cost is linear
 * and bounded: only the first `MAX_SCAN_CHARS` of the parts are read, words are folded (lower
 * case, diacritics removed) to letters and digits only, English and Czech stop words dropped,
 * duplicates merged, and the `MAX_QUERY_TERMS` most distinctive kept (longer first, then
 * rarer in the request, then earlier). Each term is quoted and the terms ORed, so no FTS5
 * syntax (`NEAR`, `*`, `:`, `^`, quotes, parentheses) can reach the MATCH — a term holds only
 * `\p{L}\p{N}` characters anyway. BM25 then ranks a passage matching more terms higher.
 * Czech inflects where porter (English) cannot help, so for a Czech request each longer word is
 * also searched by its first letters (`"pozadav"*` finds požadavek, požadavku, požadavky): a
 * crude stem, but one the index answers exactly and cheaply.
 */
import * as stopwords from "stopword";

/** The most terms one query has. */
export const MAX_QUERY_TERMS = 32;
/** How much of the request (all parts together) is read to build the query. */
export const MAX_SCAN_CHARS = 20_000;
/** A longer "word" is noise (a hash, base64), not a term. */
const MAX_TERM_CHARS = 40;

const LISTS = stopwords as unknown as Record<string, readonly string[] | undefined>;

/** Lower case, diacritics removed: how the index (unicode61 remove_diacritics 2) sees a word. */
export const fold = (s: string) =>
  s
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "");

const STOP = new Set([...(LISTS.eng ?? []), ...(LISTS.ces ?? [])].map(fold));

export interface Query {
  /** The chosen terms, most distinctive first. */
  terms: string[];
  /** The FTS5 MATCH expression, or null when no term is left. */
  match: string | null;
}

/** A Czech word's crude stem: its last two letters (most case and number endings) cut. */
const czechStem = (word: string) => (word.length >= 6 ? word.slice(0, Math.max(5, word.length - 2)) : null);

/** The retrieval query for a request's parts (request text, transcript, documents). */
export function buildQuery(parts: readonly (string | null | undefined)[], options: { locale?: string } = {}): Query {
  let budget = MAX_SCAN_CHARS;
  const seen = new Map<string, { count: number; first: number }>();
  let position = 0;
  for (const part of parts) {
    if (!part || budget <= 0) continue;
    const text = fold(part.slice(0, budget));
    budget -= Math.min(part.length, budget);
    for (const word of text.split(/[^\p{L}\p{N}]+/u)) {
      if (word.length < 2 || word.length > MAX_TERM_CHARS || STOP.has(word)) continue;
      // A number alone ("2", "30") matches too much to be distinctive.
      if (/^\p{N}+$/u.test(word) && word.length < 3) continue;
      const entry = seen.get(word);
      if (entry) entry.count++;
      else seen.set(word, { count: 1, first: position++ });
    }
  }
  const terms = [...seen.entries()]
    .sort(([a, x], [b, y]) => b.length - a.length || x.count - y.count || x.first - y.first)
    .slice(0, MAX_QUERY_TERMS)
    .map(([term]) => term);
  const quoted = terms.map((t) => {
    const stem = options.locale === "cs" ? czechStem(t) : null;
    return stem ? `"${stem}"*` : `"${t}"`;
  });
  return { terms, match: quoted.length ? quoted.join(" OR ") : null };
}
