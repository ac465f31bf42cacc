import { createRoute, OpenAPIHono, type RouteHandler } from "@hono/zod-openapi";
import { ensureContentIngested } from "../../../shared/content/ingest";
import { db } from "../../../shared/db/client";
import type { ContentPageRow } from "../../../shared/db/schema";
import { HttpProblem, notFound } from "../../../shared/http/problem";
import { renderMarkdown } from "../../../shared/markdown";
import type { AppEnv } from "../../app-env";
import { ProblemSchema } from "../submissions/schemas";
import { validationHook } from "../validation";
import { negotiate } from "./negotiate";
import { findPage, type ListCursor, listPages, listVersions } from "./repo";
import { ContentList, ContentPage, ContentVersions, ListContentQuery, LocaleQuery, SlugParam } from "./schemas";

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** A slug worth looking up: the page's path under its locale, `/`-separated segments. */
const SLUG = /^[\p{L}\p{N}_.-]+(?:\/[\p{L}\p{N}_.-]+)*$/u;
const isSlug = (slug: string) => slug.length <= 1024 && SLUG.test(slug);

/** Cursors are opaque to clients: base64url of the last (locale, slug) returned. */
export function encodeCursor(c: ListCursor): string {
  const bytes = new TextEncoder().encode(JSON.stringify([c.locale, c.slug]));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function decodeCursor(cursor: string): ListCursor | null {
  try {
    const bin = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const parsed: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0))));
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((x) => typeof x === "string")) {
      return { locale: parsed[0] as string, slug: parsed[1] as string };
    }
  } catch {
    // Fall through: not one of ours.
  }
  return null;
}

const invalidField = (pointer: string, detail: string) =>
  new HttpProblem(422, "validation", "Validation Failed", `${pointer}: ${detail}`, { errors: [{ pointer, detail }] });

const summary = (r: Omit<ContentPageRow, "markdown">) => ({
  slug: r.slug,
  locale: r.locale as "en" | "cs",
  url: r.url,
  markdownUrl: `${r.url}index.md`,
  section: r.section,
  title: r.title,
  description: r.description,
  date: r.date,
  tags: JSON.parse(r.tags) as string[],
  hash: r.hash,
  revision: r.revision,
  updatedAt: new Date(r.updatedAt).toISOString(),
});

const list = createRoute({
  method: "get",
  path: "/",
  summary: "List content pages",
  description: "Pages of the site ordered by locale and slug, filtered by locale and tag, paged with a cursor.",
  tags: ["Content"],
  request: { query: ListContentQuery },
  responses: {
    200: { description: "One page of results.", content: { "application/json": { schema: ContentList } } },
    422: problem("A query parameter is invalid, or the cursor is not one we issued."),
  },
});

const get = createRoute({
  method: "get",
  path: "/{slug}",
  summary: "Get a content page",
  description:
    "The page as JSON (metadata, markdown and sanitized HTML), or by `Accept` as `text/markdown` or `text/html` alone. Responses vary on `Accept` and carry the content hash as `ETag`.",
  tags: ["Content"],
  request: { params: SlugParam, query: LocaleQuery },
  responses: {
    200: {
      description: "The page.",
      content: {
        "application/json": { schema: ContentPage },
        "text/markdown": { schema: { type: "string" } },
        "text/html": { schema: { type: "string" } },
      },
    },
    304: { description: "Unchanged since the `If-None-Match` ETag." },
    404: problem("No page with that slug in that locale."),
    406: problem("None of the accepted media types can be produced."),
    422: problem("The locale is not one of ours."),
  },
});

const versions = createRoute({
  method: "get",
  path: "/{slug}/versions",
  summary: "List a page's versions",
  description:
    "Every content hash the page has had, newest first, with the git revision of the build that recorded it.",
  tags: ["Content"],
  request: { params: SlugParam, query: LocaleQuery },
  responses: {
    200: { description: "The versions.", content: { "application/json": { schema: ContentVersions } } },
    404: problem("No page with that slug in that locale."),
    422: problem("The locale is not one of ours."),
  },
});

/**
 * The same two routes for slugs with `/` (`services/web-development`): Hono's `{.+}` parameter
 * takes the rest of the path. Left out of the OpenAPI document, whose `{slug}` is the same slug.
 */
const getNested = createRoute({ ...get, path: "/{slug{.+}}", hide: true });
const versionsNested = createRoute({ ...versions, path: "/{slug{.+}}/versions", hide: true });

const pageNotFound = (slug: string, locale: string) =>
  notFound("Page", `There is no page ${JSON.stringify(slug)} in locale ${locale}.`);

const getPage: RouteHandler<typeof get, AppEnv> = async (c) => {
  const { slug } = c.req.valid("param");
  const { locale } = c.req.valid("query");
  const row = isSlug(slug) ? await findPage(db(c.env.DB), locale, slug) : null;
  if (!row) throw pageNotFound(slug, locale);
  const type = negotiate(c.req.header("accept"), ["application/json", "text/markdown", "text/html"] as const);
  if (!type) {
    throw new HttpProblem(
      406,
      "not-acceptable",
      "Not Acceptable",
      "This page is available as application/json, text/markdown or text/html.",
    );
  }
  const etag = `"${row.hash.slice(0, 32)}-${type.split("/")[1]}"`;
  const headers = { ETag: etag, Vary: "Accept", "Cache-Control": "public, max-age=0, must-revalidate" };
  if (
    c.req
      .header("if-none-match")
      ?.split(/\s*,\s*/)
      .includes(etag)
  ) {
    return c.body(null, 304, headers);
  }
  if (type === "text/markdown") {
    return c.body(row.markdown, 200, { ...headers, "Content-Type": "text/markdown; charset=utf-8" });
  }
  const html = renderMarkdown(row.markdown);
  if (type === "text/html") return c.body(html, 200, { ...headers, "Content-Type": "text/html; charset=utf-8" });
  return c.json({ ...summary(row), markdown: row.markdown, html }, 200, headers);
};

const pageVersions: RouteHandler<typeof versions, AppEnv> = async (c) => {
  const { slug } = c.req.valid("param");
  const { locale } = c.req.valid("query");
  const d = db(c.env.DB);
  const page = isSlug(slug) ? await findPage(d, locale, slug) : null;
  const rows = page ? await listVersions(d, locale, slug) : [];
  if (!page || rows.length === 0) throw pageNotFound(slug, locale);
  return c.json(
    {
      slug,
      locale,
      versions: rows.map((v) => ({
        hash: v.hash,
        revision: v.revision,
        buildId: v.buildId,
        title: v.title,
        recordedAt: new Date(v.recordedAt).toISOString(),
        current: v.hash === page.hash,
      })),
    },
    200,
  );
};

/** `/v1/content`: the site's pages as data, from D1 (ingested from the served build). */
export const contentRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

// Every content request first makes sure the build being served is in D1 (cheap once it is).
contentRouter.use(async (c, next) => {
  await ensureContentIngested(c.env, c.get("log"));
  await next();
});

contentRouter
  .openapi(list, async (c) => {
    const q = c.req.valid("query");
    let after: ListCursor | undefined;
    if (q.cursor !== undefined) {
      after = decodeCursor(q.cursor) ?? undefined;
      if (!after) throw invalidField("/cursor", "cursor is not valid; pass nextCursor from a previous response");
    }
    const rows = await listPages(db(c.env.DB), { locale: q.locale, tag: q.tag, limit: q.limit, after });
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return c.json(
      {
        items: page.map(summary),
        nextCursor: rows.length > q.limit && last ? encodeCursor({ locale: last.locale, slug: last.slug }) : null,
      },
      200,
    );
  })
  .openapi(get, getPage)
  .openapi(versions, pageVersions)
  // Nested slugs: the versions route first, so `…/versions` is not read as a slug.
  .openapi(versionsNested, pageVersions)
  .openapi(getNested, getPage);
