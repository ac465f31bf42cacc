/**
 * The shapes of site search, shared by every backend and every caller: a query, a hit (the
 * same whichever backend answered, so the API, the site's search box and the pipeline do not
 * know which one ran) and the backend interface that ingestion keeps current.
 */
import type { ContentPageRow } from "../db/schema";

export interface SearchQuery {
  text: string;
  locale?: string;
  limit: number;
}

export interface SearchHit {
  locale: string;
  slug: string;
  url: string;
  title: string;
  description: string;
  /** HTML: escaped text with the matched terms in `<mark>`. */
  snippet: string;
  /** Higher is better; comparable only within one response. */
  score: number;
}

export interface SearchBackend {
  readonly name: "d1" | "vectorize";
  search(query: SearchQuery): Promise<SearchHit[]>;
  /** Called by ingestion with changed and removed pages (FTS5 follows D1 by itself). */
  index(changed: ContentPageRow[], removed: { locale: string; slug: string }[]): Promise<void>;
}
