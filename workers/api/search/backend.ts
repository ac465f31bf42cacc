/**
 * Site search behind one interface: D1 FTS5 (local and default) or Vectorize semantic search,
 * chosen by `SEARCH_BACKEND`. Both answer with the same hit shape, so the API and the site's
 * search box do not know which one ran.
 */
import type { ContentPageRow } from "../../../shared/db/schema";
import { d1Search } from "./d1";
import { vectorizeSearch } from "./vectorize";

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

/** The configured backend. Anything but `vectorize` means D1, so a typo never breaks search. */
export function searchBackend(env: Env): SearchBackend {
  return env.SEARCH_BACKEND === "vectorize" ? vectorizeSearch(env) : d1Search(env.DB);
}
