/**
 * Search snippets as safe HTML: FTS5's marked snippets escaped with their marks turned into
 * `<mark>`, a window of page text around the query's terms for hits without one, and the
 * query's terms as both kinds of snippet (and the D1 MATCH expression) see them.
 */
import { escapeHtml } from "../html";

/** Markers FTS5 puts around matches; control characters never occur in page text. */
export const MARK_OPEN = "\u0002";
export const MARK_CLOSE = "\u0003";

/** Escapes a snippet and turns the match markers into `<mark>`: safe to insert as HTML. */
export function snippetHtml(raw: string): string {
  return escapeHtml(raw.replace(/[\r\n]+/g, " "))
    .replaceAll(MARK_OPEN, "<mark>")
    .replaceAll(MARK_CLOSE, "</mark>");
}

/** Words of a query, lower-cased, punctuation dropped. */
export function queryTerms(text: string): string[] {
  return text
    .normalize("NFC")
    .split(/[^\p{L}\p{N}]+/u)
    .map((t) => t.toLowerCase())
    .filter((t) => t.length > 0)
    .slice(0, 12);
}

/**
 * A snippet without FTS5: the first sentence-sized window of `text` that holds a query term,
 * with every term marked. Used for semantic hits, which match meaning rather than words.
 */
export function windowSnippet(text: string, terms: string[], size = 160): string {
  const plain = text
    .replace(/[#>*_`[\]()|-]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  const lower = plain.toLowerCase();
  const at = terms.map((t) => lower.indexOf(t)).filter((i) => i >= 0);
  const start = at.length ? Math.max(0, Math.min(...at) - 40) : 0;
  let piece = plain.slice(start, start + size);
  if (start > 0) piece = `…${piece}`;
  if (start + size < plain.length) piece = `${piece}…`;
  let html = escapeHtml(piece);
  for (const t of terms) {
    if (t.length < 2) continue;
    html = html.replace(new RegExp(`(${t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")})`, "giu"), "<mark>$1</mark>");
  }
  return html;
}
