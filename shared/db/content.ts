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

/**
 * The pages' passages (`shared/retrieval/passages.ts`): one row per `##`/`###` section (or the
 * opening, anchor `""`), long sections in several pieces (`seq` orders them in the page). Written
 * by ingestion for changed pages only; the FTS5 index `passages_search` (migration
 * `passages_search`) follows it through triggers.
 */
export const contentPassages = sqliteTable(
  "content_passages",
  {
    locale: text("locale").notNull(),
    slug: text("slug").notNull(),
    /** The heading's id on the site, `""` for the page's opening. */
    anchor: text("anchor").notNull(),
    seq: integer("seq").notNull(),
    /** Which piece of its section, from 1: a long section's later pieces have ids `…#anchor~2`. */
    piece: integer("piece").notNull().default(1),
    title: text("title").notNull(),
    /** The section's heading text, null for the opening. */
    section: text("section"),
    /** Site-relative URL with the anchor. */
    url: text("url").notNull(),
    /** Readable markdown, at most ~1,500 characters. */
    text: text("text").notNull(),
    /** The same text folded to plain words: what the FTS index holds. */
    plain: text("plain").notNull(),
  },
  (t) => [primaryKey({ columns: [t.locale, t.slug, t.seq] })],
);

export type ContentPassageRow = typeof contentPassages.$inferSelect;
