import { z } from "@hono/zod-openapi";

/** Locales the site is written in. */
export const CONTENT_LOCALES = ["en", "cs"] as const;

const locale = z.enum(CONTENT_LOCALES, { error: `locale must be one of ${CONTENT_LOCALES.join(", ")}` });

export const ListContentQuery = z
  .object({
    locale: locale.optional().openapi({ description: "Only pages in this locale.", example: "en" }),
    tag: z
      .string()
      .max(64, { error: "tag must be at most 64 characters" })
      .regex(/^[\p{Ll}\p{N}][\p{Ll}\p{N}-]*$/u, { error: "tag is lower-case words joined by -" })
      .optional()
      .openapi({ description: "Only pages with this tag.", example: "api" }),
    cursor: z
      .string()
      .max(512, { error: "cursor is not valid" })
      .optional()
      .openapi({ description: "`nextCursor` of the previous page; omit for the first page." }),
    limit: z.coerce
      .number({ error: "limit must be a number" })
      .int({ error: "limit must be a whole number" })
      .min(1, { error: "limit must be at least 1" })
      .max(100, { error: "limit must be at most 100" })
      .default(20)
      .openapi({ description: "Pages per response (1–100).", example: 20 }),
  })
  .strict();

export const SlugParam = z.object({
  slug: z.string().openapi({
    param: { name: "slug", in: "path" },
    description:
      "Page slug: its path under the locale's folder without `.md` (`services/web-development`; `/` is part of the path, not escaped), a folder's `index.md` its folder, `home` for a locale's home page.",
    example: "articles/edge-first",
  }),
});

export const LocaleQuery = z
  .object({
    locale: locale.default("en").openapi({ description: "Which language version.", example: "en" }),
  })
  .strict();

export const ContentSummary = z
  .object({
    slug: z.string().openapi({ description: "Page slug, unique within its locale.", example: "articles/edge-first" }),
    locale: z.enum(CONTENT_LOCALES).openapi({ description: "Language of the page." }),
    url: z.string().openapi({ description: "Where the HTML page is served.", example: "/articles/edge-first/" }),
    markdownUrl: z.string().openapi({ description: "Its markdown twin.", example: "/articles/edge-first/index.md" }),
    section: z.string().nullable().openapi({ description: "Site section, e.g. `articles`." }),
    title: z.string(),
    description: z.string(),
    date: z.string().nullable().openapi({ description: "Publication date (YYYY-MM-DD) of dated pages." }),
    tags: z.array(z.string()),
    hash: z.string().openapi({ description: "sha256 of the current source." }),
    revision: z.string().openapi({ description: "Git revision of the build that recorded this content." }),
    updatedAt: z.iso.datetime().openapi({ description: "When this row last changed in D1." }),
  })
  .openapi("ContentSummary");

export const ContentList = z
  .object({
    items: z.array(ContentSummary),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null at the end." }),
  })
  .openapi("ContentList");

export const ContentPage = ContentSummary.extend({
  markdown: z.string().openapi({ description: "The page as markdown (its twin)." }),
  html: z.string().openapi({ description: "The page body as sanitized HTML." }),
}).openapi("ContentPage");

export const ContentVersions = z
  .object({
    slug: z.string(),
    locale: z.enum(CONTENT_LOCALES),
    versions: z.array(
      z.object({
        hash: z.string().openapi({ description: "sha256 of the source at this version." }),
        revision: z.string().openapi({ description: "Git revision of the build that first recorded it." }),
        buildId: z.string().openapi({ description: "Site build that first recorded it." }),
        title: z.string().openapi({ description: "The title at this version." }),
        recordedAt: z.iso.datetime().openapi({ description: "When a build first recorded this hash." }),
        current: z
          .boolean()
          .openapi({ description: "Whether this is the content served now (a page can return to an earlier hash)." }),
      }),
    ),
  })
  .openapi("ContentVersions");

export const SearchQuerySchema = z
  .object({
    q: z
      .string({ error: "q is required" })
      .trim()
      .min(1, { error: "q must not be empty" })
      .max(200, { error: "q must be at most 200 characters" })
      .refine((q) => /[\p{L}\p{N}]/u.test(q), { error: "q must contain a letter or digit" })
      .openapi({ description: "What to look for, in any words.", example: "correlation id" }),
    locale: locale.optional().openapi({ description: "Only pages in this locale." }),
    limit: z.coerce
      .number({ error: "limit must be a number" })
      .int({ error: "limit must be a whole number" })
      .min(1, { error: "limit must be at least 1" })
      .max(50, { error: "limit must be at most 50" })
      .default(10)
      .openapi({ description: "Most hits to return (1–50)." }),
  })
  .strict();

export const SearchResults = z
  .object({
    query: z.string(),
    backend: z.enum(["d1", "vectorize"]).openapi({ description: "Which search answered: FTS5 or semantic." }),
    results: z.array(
      z.object({
        slug: z.string(),
        locale: z.enum(CONTENT_LOCALES),
        url: z.string(),
        title: z.string(),
        description: z.string(),
        snippet: z.string().openapi({ description: "HTML: escaped text with matches in `<mark>`." }),
        score: z.number().openapi({ description: "Relevance; higher is better, comparable within a response." }),
      }),
    ),
  })
  .openapi("SearchResults");
