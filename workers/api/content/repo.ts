import { and, asc, desc, eq, gt, or, sql } from "drizzle-orm";
import type { Db } from "../../../shared/db/client";
import { type ContentPageRow, type ContentVersionRow, contentPages, contentVersions } from "../../../shared/db/schema";

// Ingestion's queries live in shared/ (the job's Durable Object ingests too); re-exported here.
export {
  buildIngested,
  currentHashes,
  deletePageStatement,
  markBuildStatement,
  type NewContentPage,
  upsertPageStatements,
} from "../../../shared/content/repo";

import type { NewContentPage } from "../../../shared/content/repo";

/** Statements that change metadata only (the markdown and hash are unchanged). */
export function touchPageStatement(d: Db, page: Omit<NewContentPage, "markdown" | "revision">, now: number) {
  return d
    .update(contentPages)
    .set({
      url: page.url,
      section: page.section,
      title: page.title,
      description: page.description,
      date: page.date,
      tags: page.tags,
      updatedAt: now,
    })
    .where(and(eq(contentPages.locale, page.locale), eq(contentPages.slug, page.slug)));
}

/** Position in the listing: pages are ordered by (locale, slug). */
export interface ListCursor {
  locale: string;
  slug: string;
}

export interface ListFilter {
  locale?: string;
  tag?: string;
  limit: number;
  after?: ListCursor;
}

/** One page of the listing, `limit + 1` rows so the caller knows whether there is more. */
export async function listPages(d: Db, f: ListFilter) {
  const conditions = [
    f.locale ? eq(contentPages.locale, f.locale) : undefined,
    f.tag ? sql`exists (select 1 from json_each(${contentPages.tags}) where json_each.value = ${f.tag})` : undefined,
    f.after
      ? or(
          gt(contentPages.locale, f.after.locale),
          and(eq(contentPages.locale, f.after.locale), gt(contentPages.slug, f.after.slug)),
        )
      : undefined,
  ].filter((c) => c !== undefined);
  return d
    .select({
      locale: contentPages.locale,
      slug: contentPages.slug,
      url: contentPages.url,
      section: contentPages.section,
      title: contentPages.title,
      description: contentPages.description,
      date: contentPages.date,
      tags: contentPages.tags,
      hash: contentPages.hash,
      revision: contentPages.revision,
      updatedAt: contentPages.updatedAt,
    })
    .from(contentPages)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(contentPages.locale), asc(contentPages.slug))
    .limit(f.limit + 1);
}

export async function findPage(d: Db, locale: string, slug: string): Promise<ContentPageRow | null> {
  const rows = await d
    .select()
    .from(contentPages)
    .where(and(eq(contentPages.locale, locale), eq(contentPages.slug, slug)))
    .limit(1);
  return rows[0] ?? null;
}

/** Versions of a page, newest first. */
export async function listVersions(d: Db, locale: string, slug: string): Promise<ContentVersionRow[]> {
  return d
    .select()
    .from(contentVersions)
    .where(and(eq(contentVersions.locale, locale), eq(contentVersions.slug, slug)))
    .orderBy(desc(contentVersions.recordedAt), desc(contentVersions.hash));
}
