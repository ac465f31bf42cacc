import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The content site's pages as last ingested from a build's manifest (`/_content/manifest.json`):
 * one row per (locale, slug), with the page's markdown twin for the API and for search. The
 * FTS5 index `content_search` (migration `content_search`) follows this table through triggers.
 */
export const contentPages = sqliteTable(
  "content_pages",
  {
    locale: text("locale").notNull(),
    /** Per-locale id: the file name (`edge-first`), `home` for a locale's home page. */
    slug: text("slug").notNull(),
    /** Public URL of the HTML page (`/cs/articles/edge-first/`). */
    url: text("url").notNull(),
    section: text("section"),
    title: text("title").notNull(),
    description: text("description").notNull(),
    /** Publication date, `YYYY-MM-DD`, for dated pages (articles). */
    date: text("date"),
    /** JSON array of tags. */
    tags: text("tags").notNull().default("[]"),
    /** sha256 of the page's source file. */
    hash: text("hash").notNull(),
    /** Git revision of the build that first recorded this hash. */
    revision: text("revision").notNull(),
    /** The markdown twin, as served at `<url>index.md`. */
    markdown: text("markdown").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.locale, t.slug] }), index("content_pages_locale_date_idx").on(t.locale, t.date)],
);

/** Every content hash a page has had, with the git revision and build that recorded it. */
export const contentVersions = sqliteTable(
  "content_versions",
  {
    locale: text("locale").notNull(),
    slug: text("slug").notNull(),
    hash: text("hash").notNull(),
    revision: text("revision").notNull(),
    buildId: text("build_id").notNull(),
    title: text("title").notNull(),
    recordedAt: integer("recorded_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.locale, t.slug, t.hash] }),
    index("content_versions_page_idx").on(t.locale, t.slug, t.recordedAt),
  ],
);

/** Builds whose manifest has been ingested: the marker that makes ingestion run once per build. */
export const contentBuilds = sqliteTable("content_builds", {
  buildId: text("build_id").primaryKey(),
  revision: text("revision").notNull(),
  builtAt: text("built_at").notNull(),
  pages: integer("pages").notNull(),
  ingestedAt: integer("ingested_at").notNull(),
});

export type ContentPageRow = typeof contentPages.$inferSelect;
export type ContentVersionRow = typeof contentVersions.$inferSelect;
