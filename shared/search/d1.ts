/**
 * The default search backend: SQLite FTS5 in D1 (`content_search`, kept current by triggers on
 * `content_pages`), BM25-ranked, with FTS5's own snippets. A user's query is turned into a
 * MATCH expression in which nothing they type acts as an operator.
 */
import type { ContentPageRow } from "../db/schema";
import { MARK_CLOSE, MARK_OPEN, queryTerms, snippetHtml } from "./snippet";
import type { SearchBackend, SearchHit, SearchQuery } from "./types";

/**
 * The FTS5 MATCH expression for free text: every term quoted (so `-`, `*`, `NEAR`, `:` typed
 * by a user are words, never operators), all terms required, the last one also as a prefix so
 * results appear while typing.
 */
export function matchExpression(text: string): string | null {
  const terms = queryTerms(text);
  if (terms.length === 0) return null;
  return terms.map((t, i) => (i === terms.length - 1 ? `"${t}"*` : `"${t}"`)).join(" ");
}

/** Full-text search over `content_search` (migration `content_search`), ranked by BM25. */
export function d1Search(d1: D1Database): SearchBackend {
  return {
    name: "d1",
    async search(q: SearchQuery): Promise<SearchHit[]> {
      const match = matchExpression(q.text);
      if (!match) return [];
      // Title matches weigh most, then description, body and tags. bm25() is lower-is-better.
      const { results } = await d1
        .prepare(
          `SELECT p.locale, p.slug, p.url, p.title, p.description,
                  snippet(content_search, 2, ?1, ?2, '…', 16) AS snippet,
                  bm25(content_search, 8.0, 4.0, 1.0, 2.0) AS rank
             FROM content_search
             JOIN content_pages p ON p.rowid = content_search.rowid
            WHERE content_search MATCH ?3 AND (?4 IS NULL OR p.locale = ?4)
            ORDER BY rank
            LIMIT ?5`,
        )
        .bind(MARK_OPEN, MARK_CLOSE, match, q.locale ?? null, q.limit)
        .all<{
          locale: string;
          slug: string;
          url: string;
          title: string;
          description: string;
          snippet: string;
          rank: number;
        }>();
      return results.map((r) => ({
        locale: r.locale,
        slug: r.slug,
        url: r.url,
        title: r.title,
        description: r.description,
        snippet: snippetHtml(r.snippet),
        score: Math.round(-r.rank * 1000) / 1000,
      }));
    },
    async index(_changed: ContentPageRow[], _removed: { locale: string; slug: string }[]) {
      // Triggers on content_pages keep content_search current.
    },
  };
}
