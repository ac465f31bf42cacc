/**
 * Site search behind one interface: D1 FTS5 (local and default) or Vectorize semantic search,
 * chosen by `SEARCH_BACKEND`. Retrieval is domain: the search API, content ingestion and the
 * pipeline all reach it through `searchBackend(env)`.
 */
import { d1Search } from "./d1";
import type { SearchBackend } from "./types";
import { vectorizeSearch } from "./vectorize";

/** The configured backend. Anything but `vectorize` means D1, so a typo never breaks search. */
export function searchBackend(env: Pick<Env, "DB" | "AI" | "VECTORIZE"> & { SEARCH_BACKEND?: string }): SearchBackend {
  return env.SEARCH_BACKEND === "vectorize" ? vectorizeSearch(env) : d1Search(env.DB);
}
