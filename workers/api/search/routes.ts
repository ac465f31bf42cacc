/**
 * `/v1/search`, the HTTP adapter of site search (`shared/search`): validates the query, makes
 * sure the current build's pages are ingested, and answers with the configured backend's hits.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { ensureContentIngested } from "../../../shared/content/ingest";
import { searchBackend } from "../../../shared/search";
import type { AppEnv } from "../../app-env";
import { SearchQuerySchema, SearchResults } from "../content/schemas";
import { ProblemSchema } from "../submissions/schemas";
import { validationHook } from "../validation";

const search = createRoute({
  method: "get",
  path: "/",
  summary: "Search the site",
  description:
    "Ranked hits with highlighted snippets. Full-text search in D1 (FTS5) by default; semantic search in Vectorize when `SEARCH_BACKEND=vectorize`. The response has the same shape either way.",
  tags: ["Content"],
  request: { query: SearchQuerySchema },
  responses: {
    200: { description: "Hits, best first.", content: { "application/json": { schema: SearchResults } } },
    422: {
      description: "The query is missing, empty, too long or has no words.",
      content: { "application/problem+json": { schema: ProblemSchema } },
    },
  },
});

/** `/v1/search`: the site's search box and agents ask here. */
export const searchRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(search, async (c) => {
  const q = c.req.valid("query");
  await ensureContentIngested(c.env, c.get("log"));
  const backend = searchBackend(c.env);
  const results = await backend.search({ text: q.q, locale: q.locale, limit: q.limit });
  return c.json(
    {
      query: q.q,
      backend: backend.name,
      results: results.map((r) => ({ ...r, locale: r.locale as "en" | "cs" })),
    },
    200,
  );
});
