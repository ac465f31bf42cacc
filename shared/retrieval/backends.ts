/**
 * The retrieval backends behind one interface: `d1` (FTS5 over `passages_search`, BM25 with
 * title > section > text; the default, offline and in tests) and `vectorize` (passages embedded
 * by Workers AI `@cf/baai/bge-m3`, 1024 dimensions, multilingual, in `PASSAGES_INDEX`). Both
 * answer candidates from every locale; `index.ts` prefers the request's and fuses for `hybrid`.
 */
import { passagesByKeys } from "../content/repo";
import { db } from "../db/client";
import type { ContentPassageRow } from "../db/schema";
import { type Passage, passageId } from "./passages";
import type { Query } from "./query";
import type { RetrievedPassage } from "./types";

export interface RetrievalBackend {
  readonly name: "d1" | "vectorize";
  /** Candidates, best first, at most `limit`. */
  search(query: Query, text: string, limit: number): Promise<RetrievedPassage[]>;
  /** Called by ingestion: the changed pages' new passages, and the stored ones they replace. */
  index(changed: Passage[], stale: { locale: string; slug: string; seq: number }[]): Promise<void>;
}

/** Multilingual embedding model; its vectors have `EMBEDDING_DIMS` dimensions. */
export const PASSAGE_EMBEDDING_MODEL = "@cf/baai/bge-m3";
export const EMBEDDING_DIMS = 1024;

const toRetrieved = (r: ContentPassageRow, score: number): RetrievedPassage => ({
  id: passageId(r),
  locale: r.locale,
  title: r.title,
  section: r.section,
  url: r.url,
  text: r.text,
  score: Math.round(score * 1000) / 1000,
});

/** BM25 over `passages_search` (migration `passages_search`); `bm25()` is lower-is-better. */
export function d1Retrieval(d1: D1Database): RetrievalBackend {
  return {
    name: "d1",
    async search(query, _text, limit) {
      if (!query.match) return [];
      const { results } = await d1
        .prepare(
          `SELECT p.*, bm25(passages_search, 3.0, 2.0, 1.0) AS rank
             FROM passages_search
             JOIN content_passages p ON p.rowid = passages_search.rowid
            WHERE passages_search MATCH ?1
            ORDER BY rank
            LIMIT ?2`,
        )
        .bind(query.match, limit)
        .all<ContentPassageRow & { rank: number }>();
      return results.map((r) => toRetrieved(r, -r.rank));
    },
    async index() {
      // Triggers on content_passages keep passages_search current.
    },
  };
}

/** Vector id of a passage: `locale:slug:seq`, within Vectorize's 64-byte id limit. */
async function vectorId(k: { locale: string; slug: string; seq: number }): Promise<string> {
  const id = `${k.locale}:${k.slug}:${k.seq}`;
  if (new TextEncoder().encode(id).length <= 64) return id;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id));
  return `h:${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`.slice(0, 64);
}

async function embed(env: Pick<Env, "AI">, texts: string[]): Promise<number[][]> {
  const out = (await env.AI.run(PASSAGE_EMBEDDING_MODEL as keyof AiModels, { text: texts } as never)) as {
    data?: number[][];
  };
  if (!out.data || out.data.length !== texts.length) throw new Error("embedding model returned no vectors");
  return out.data;
}

/** What a passage's vector is made of. */
const embeddingText = (p: Passage) => `${p.title}\n${p.section ?? ""}\n${p.plain}`.slice(0, 2_000);

/** Semantic retrieval: the request embedded by bge-m3, its nearest passages read back from D1. */
export function vectorizeRetrieval(env: Pick<Env, "DB" | "AI" | "PASSAGES_INDEX">): RetrievalBackend {
  return {
    name: "vectorize",
    async search(_query, text, limit) {
      const [vector] = await embed(env, [text.slice(0, 2_000)]);
      if (!vector) return [];
      const found = await env.PASSAGES_INDEX.query(vector, { topK: Math.min(limit, 20), returnMetadata: "all" });
      const keys = found.matches.flatMap((m) => {
        const md = m.metadata as { locale?: unknown; slug?: unknown; seq?: unknown } | undefined;
        if (typeof md?.locale !== "string" || typeof md.slug !== "string" || typeof md.seq !== "number") return [];
        return [{ locale: md.locale, slug: md.slug, seq: md.seq, score: m.score }];
      });
      const rows = await passagesByKeys(db(env.DB), keys);
      const byKey = new Map(rows.map((r) => [`${r.locale}:${r.slug}:${r.seq}`, r]));
      return keys.flatMap((k) => {
        const row = byKey.get(`${k.locale}:${k.slug}:${k.seq}`);
        return row ? [toRetrieved(row, k.score)] : [];
      });
    },
    async index(changed, stale) {
      const kept = new Set(changed.map((p) => `${p.locale}:${p.slug}:${p.seq}`));
      const gone = stale.filter((s) => !kept.has(`${s.locale}:${s.slug}:${s.seq}`));
      for (let i = 0; i < changed.length; i += 50) {
        const chunk = changed.slice(i, i + 50);
        const vectors = await embed(env, chunk.map(embeddingText));
        await env.PASSAGES_INDEX.upsert(
          await Promise.all(
            chunk.map(async (p, j) => ({
              id: await vectorId(p),
              values: vectors[j] ?? [],
              metadata: { locale: p.locale, slug: p.slug, seq: p.seq },
            })),
          ),
        );
      }
      for (let i = 0; i < gone.length; i += 100) {
        await env.PASSAGES_INDEX.deleteByIds(await Promise.all(gone.slice(i, i + 100).map(vectorId)));
      }
    },
  };
}

/** Most passages read of one page by `siblingPassages`. */
const SIBLINGS_PER_PAGE = 60;

/**
 * Every passage of the given pages (at most `SIBLINGS_PER_PAGE` each), read from D1 whatever the
 * search backend: the sections of the best pages that retrieval looks at for a figure the
 * request asks (`preferFigures` in `index.ts`). One statement per page, two bound parameters.
 */
export async function siblingPassages(
  d1: D1Database,
  pages: readonly { locale: string; slug: string }[],
): Promise<RetrievedPassage[]> {
  if (pages.length === 0) return [];
  const statement = d1.prepare("SELECT * FROM content_passages WHERE locale = ?1 AND slug = ?2 ORDER BY seq LIMIT ?3");
  const results = await d1.batch<ContentPassageRow>(
    pages.map((p) => statement.bind(p.locale, p.slug, SIBLINGS_PER_PAGE)),
  );
  return results.flatMap((r) => r.results.map((row) => toRetrieved(row, 0)));
}
