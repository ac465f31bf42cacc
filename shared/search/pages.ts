/**
 * The content pages behind search hits: a backend that finds pages by something other than
 * their rows (Vectorize answers with vector ids) reads the rows here to dress up its hits.
 */
import { and, eq, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { type ContentPageRow, contentPages } from "../db/schema";

/** Rows for a set of (locale, slug) keys, e.g. to dress up semantic search hits. */
export async function pagesByKeys(d: Db, keys: { locale: string; slug: string }[]): Promise<ContentPageRow[]> {
  if (keys.length === 0) return [];
  return d
    .select()
    .from(contentPages)
    .where(or(...keys.map((k) => and(eq(contentPages.locale, k.locale), eq(contentPages.slug, k.slug)))));
}
