/**
 * The queries content ingestion makes (`ingest.ts`): the build marker, the pages' hashes, the
 * upserts of changed pages and their versions, and their passages (`content_passages`, whose
 * triggers keep `passages_search` current). Here in `shared/` so the job's Durable Object can
 * ensure a build is ingested as the content routes do; `workers/api/content/repo.ts` re-exports.
 */
import { and, eq, or, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import {
  type ContentPageRow,
  type ContentPassageRow,
  contentBuilds,
  contentPages,
  contentPassages,
  contentVersions,
} from "../db/schema";
import type { Passage } from "../retrieval/passages";

/** A page's row as ingestion writes it. */
export type NewContentPage = Omit<ContentPageRow, "updatedAt">;

/** Whether a build's manifest has already been ingested. */
export async function buildIngested(d: Db, buildId: string): Promise<boolean> {
  const rows = await d
    .select({ id: contentBuilds.buildId })
    .from(contentBuilds)
    .where(eq(contentBuilds.buildId, buildId))
    .limit(1);
  return rows.length > 0;
}

/** (locale, slug) → hash of every page currently stored. */
export async function currentHashes(d: Db): Promise<Map<string, string>> {
  const rows = await d
    .select({ locale: contentPages.locale, slug: contentPages.slug, hash: contentPages.hash })
    .from(contentPages);
  return new Map(rows.map((r) => [`${r.locale}:${r.slug}`, r.hash]));
}

/** Statements that upsert a page and record its version (kept if already known). */
export function upsertPageStatements(d: Db, page: NewContentPage, buildId: string, now: number) {
  return [
    d
      .insert(contentPages)
      .values({ ...page, updatedAt: now })
      .onConflictDoUpdate({
        target: [contentPages.locale, contentPages.slug],
        set: {
          url: page.url,
          section: page.section,
          title: page.title,
          description: page.description,
          date: page.date,
          tags: page.tags,
          hash: page.hash,
          revision: page.revision,
          markdown: page.markdown,
          updatedAt: now,
        },
      }),
    d
      .insert(contentVersions)
      .values({
        locale: page.locale,
        slug: page.slug,
        hash: page.hash,
        revision: page.revision,
        buildId,
        title: page.title,
        recordedAt: now,
      })
      .onConflictDoNothing(),
  ];
}

export function deletePageStatement(d: Db, locale: string, slug: string) {
  return d.delete(contentPages).where(and(eq(contentPages.locale, locale), eq(contentPages.slug, slug)));
}

export function markBuildStatement(
  d: Db,
  build: { buildId: string; revision: string; builtAt: string; pages: number },
  now: number,
) {
  return d
    .insert(contentBuilds)
    .values({ ...build, ingestedAt: now })
    .onConflictDoNothing();
}

/** Statements that replace a page's passages: the old ones deleted, the new ones inserted one per statement (10 bound values each, far under D1's 100). */
export function replacePassagesStatements(d: Db, locale: string, slug: string, passages: Passage[]) {
  return [
    deletePassagesStatement(d, locale, slug),
    ...passages.map((p) =>
      d.insert(contentPassages).values({
        locale: p.locale,
        slug: p.slug,
        anchor: p.anchor,
        seq: p.seq,
        piece: p.piece,
        title: p.title,
        section: p.section,
        url: p.url,
        text: p.text,
        plain: p.plain,
      }),
    ),
  ];
}

export function deletePassagesStatement(d: Db, locale: string, slug: string) {
  return d.delete(contentPassages).where(and(eq(contentPassages.locale, locale), eq(contentPassages.slug, slug)));
}

/** The (anchor, seq) of every passage stored for one page, for removing their vectors. */
export async function passageKeysOf(d: Db, locale: string, slug: string) {
  return d
    .select({ anchor: contentPassages.anchor, seq: contentPassages.seq })
    .from(contentPassages)
    .where(and(eq(contentPassages.locale, locale), eq(contentPassages.slug, slug)));
}

/** Passages by (locale, slug, seq), 30 keys per query (3 bound values each, under D1's 100). */
export async function passagesByKeys(d: Db, keys: { locale: string; slug: string; seq: number }[]) {
  const rows: ContentPassageRow[] = [];
  for (let i = 0; i < keys.length; i += 30) {
    const chunk = keys.slice(i, i + 30);
    const where = or(
      ...chunk.map((k) =>
        and(eq(contentPassages.locale, k.locale), eq(contentPassages.slug, k.slug), eq(contentPassages.seq, k.seq)),
      ),
    );
    rows.push(...(await d.select().from(contentPassages).where(where)));
  }
  return rows;
}

/** `locale:slug` of every page that has passages stored. */
export async function pagesWithPassages(d: Db): Promise<Set<string>> {
  const rows = await d
    .selectDistinct({ locale: contentPassages.locale, slug: contentPassages.slug })
    .from(contentPassages);
  return new Set(rows.map((r) => `${r.locale}:${r.slug}`));
}

/** Whether some stored page has no passages (a database from before passages existed). */
export async function passagesMissing(d: Db): Promise<boolean> {
  const rows = await d
    .select({ slug: contentPages.slug })
    .from(contentPages)
    .where(
      sql`not exists (select 1 from ${contentPassages} q where q.locale = ${contentPages.locale} and q.slug = ${contentPages.slug})`,
    )
    .limit(1);
  return rows.length > 0;
}
