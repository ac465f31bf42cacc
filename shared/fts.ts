import { escapeHtml } from "./html";
import { HttpProblem } from "./http/problem";

/** The most words one search may have; more is refused rather than silently cut. */
export const MAX_SEARCH_TERMS = 12;

/** A search text or cursor that cannot be run: 400 `bad-search`, the detail safe to show. */
export class SearchSyntaxError extends HttpProblem {
  constructor(detail: string, cause?: unknown) {
    super(400, "bad-search", "Bad Search", detail, { cause });
  }
}

/**
 * A user's search text as an FTS5 MATCH expression that cannot inject FTS5 syntax: each
 * whitespace-separated word becomes a quoted phrase (`"` doubled inside), all of them must
 * match (implicit AND), and only a trailing `*` keeps its meaning as a prefix search.
 * Operators (`OR`, `NEAR`, `-`, `^`, `col:`) and parentheses are matched as ordinary text.
 * Throws SearchSyntaxError when nothing searchable is left.
 */
export function ftsQuery(text: string): string {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const terms: string[] = [];
  for (const word of words) {
    const prefix = word.length > 1 && word.endsWith("*");
    const body = (prefix ? word.replace(/\*+$/, "") : word).replace(/\p{Cc}/gu, "");
    // A word of punctuation only indexes to nothing; leave it out instead of matching nothing.
    if (!/[\p{L}\p{N}]/u.test(body)) continue;
    terms.push(`"${body.replace(/"/g, '""')}"${prefix ? "*" : ""}`);
  }
  if (terms.length === 0) throw new SearchSyntaxError("The search has no letters or digits to look for.");
  if (terms.length > MAX_SEARCH_TERMS) {
    throw new SearchSyntaxError(`A search may have at most ${MAX_SEARCH_TERMS} words.`);
  }
  return terms.join(" ");
}

/** Markers the SQL `snippet()` wraps around matches: control characters no stored text has. */
export const SNIPPET_OPEN = "\u0002";
export const SNIPPET_CLOSE = "\u0003";

/** `snippet(<table>, -1, …)`: the best-matching column, marked, about `tokens` words long. */
export const snippetSql = (table: string, tokens = 16) => `snippet(${table}, -1, char(2), char(3), '…', ${tokens})`;

/** A marked snippet as HTML: the text escaped, each match in `<mark>`. */
export function snippetHtml(snippet: string | null | undefined): string | null {
  if (!snippet) return null;
  return snippet
    .split(SNIPPET_OPEN)
    .map((part, i) => {
      if (i === 0) return escapeHtml(part.replaceAll(SNIPPET_CLOSE, ""));
      const [hit = "", ...rest] = part.split(SNIPPET_CLOSE);
      return `<mark>${escapeHtml(hit)}</mark>${escapeHtml(rest.join(""))}`;
    })
    .join("");
}

/** A marked snippet as plain text (markers dropped), e.g. for CSV. */
export const snippetText = (snippet: string | null | undefined): string | null =>
  snippet ? snippet.replaceAll(SNIPPET_OPEN, "").replaceAll(SNIPPET_CLOSE, "") : null;

/**
 * Opaque paging cursors: relevance-ordered results page by offset (a rank is not a stable
 * key), newest-first results by the last row's key. Base64url JSON, so a client treats it as
 * a token; a tampered or foreign cursor is refused (400), never trusted.
 */
export type Cursor = { offset: number } | { before: string | number };

export function encodeCursor(cursor: Cursor): string {
  return btoa(JSON.stringify(cursor)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(token: string): Cursor {
  try {
    const value: unknown = JSON.parse(atob(token.replace(/-/g, "+").replace(/_/g, "/")));
    if (typeof value === "object" && value !== null) {
      const v = value as Record<string, unknown>;
      if (typeof v.offset === "number" && Number.isInteger(v.offset) && v.offset >= 0 && v.offset <= 100_000) {
        return { offset: v.offset };
      }
      if (
        (typeof v.before === "string" && v.before.length <= 64) ||
        (Number.isInteger(v.before) && Number(v.before) > 0)
      ) {
        return { before: v.before as string | number };
      }
    }
  } catch {
    // fall through
  }
  throw new SearchSyntaxError("The cursor is not one this API issued.");
}
