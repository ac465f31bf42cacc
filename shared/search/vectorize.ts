/**
 * The semantic search backend (`SEARCH_BACKEND=vectorize`): pages embedded by Workers AI with a
 * multilingual model and kept in Vectorize, one vector a page; a query is embedded the same
 * way, and its nearest pages are read back from D1 to become hits.
 */
import { db } from "../db/client";
import type { ContentPageRow } from "../db/schema";
import { pagesByKeys } from "./pages";
import { queryTerms, windowSnippet } from "./snippet";
import type { SearchBackend, SearchHit, SearchQuery } from "./types";

/** Multilingual embedding model (English and Czech pages share one index). */
export const EMBEDDING_MODEL = "@cf/baai/bge-m3";

/** Vector id of a page: fits Vectorize's 64-byte id limit for any slug the build accepts. */
export const vectorId = (locale: string, slug: string) => `${locale}:${slug}`.slice(0, 64);

/** What a page's vector is made of: the words a reader would judge it by. */
const embeddingText = (p: ContentPageRow) => `${p.title}\n${p.description}\n${p.markdown}`.slice(0, 4000);

async function embed(env: Pick<Env, "AI">, texts: string[]): Promise<number[][]> {
  const out = (await env.AI.run(EMBEDDING_MODEL as keyof AiModels, { text: texts } as never)) as {
    data?: number[][];
  };
  if (!out.data || out.data.length !== texts.length) throw new Error("embedding model returned no vectors");
  return out.data;
}

/** Semantic search: the query is embedded by Workers AI and matched in Vectorize. */
export function vectorizeSearch(env: Pick<Env, "DB" | "AI" | "VECTORIZE">): SearchBackend {
  return {
    name: "vectorize",
    async search(q: SearchQuery): Promise<SearchHit[]> {
      const [vector] = await embed(env, [q.text]);
      if (!vector) return [];
      const found = await env.VECTORIZE.query(vector, {
        topK: q.limit,
        returnMetadata: "indexed",
        ...(q.locale ? { filter: { locale: q.locale } } : {}),
      });
      const keys = found.matches.map((m) => {
        const [locale = "", ...rest] = m.id.split(":");
        return { locale, slug: rest.join(":"), score: m.score };
      });
      const rows = await pagesByKeys(db(env.DB), keys);
      const byKey = new Map(rows.map((r) => [`${r.locale}:${r.slug}`, r]));
      const terms = queryTerms(q.text);
      return keys.flatMap((k) => {
        const row = byKey.get(`${k.locale}:${k.slug}`);
        if (!row) return [];
        return [
          {
            locale: row.locale,
            slug: row.slug,
            url: row.url,
            title: row.title,
            description: row.description,
            snippet: windowSnippet(row.markdown, terms),
            score: Math.round(k.score * 1000) / 1000,
          },
        ];
      });
    },
    async index(changed, removed) {
      for (let i = 0; i < changed.length; i += 50) {
        const chunk = changed.slice(i, i + 50);
        const vectors = await embed(env, chunk.map(embeddingText));
        await env.VECTORIZE.upsert(
          chunk.map((p, j) => ({
            id: vectorId(p.locale, p.slug),
            values: vectors[j] ?? [],
            metadata: { locale: p.locale, slug: p.slug },
          })),
        );
      }
      if (removed.length) await env.VECTORIZE.deleteByIds(removed.map((r) => vectorId(r.locale, r.slug)));
    },
  };
}
