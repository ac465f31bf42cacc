/**
 * Brings D1 up to date with the site build being served. The build writes `/_content/build.json`
 * and `/_content/manifest.json` into the static assets (their contract: `shared/site/manifest.ts`);
 * the Worker reads them through the `ASSETS` binding.
 * The first content or search request after a deploy finds an unknown build id and ingests it:
 * new or changed pages (their markdown twins fetched from the assets), versions recorded, pages
 * gone from the build deleted, and the build marked done last — so an interrupted ingestion is
 * simply redone, and every write is an idempotent upsert.
 * Each changed page is also cut into passages (`shared/retrieval/passages.ts`) that replace its
 * old ones (a page without passages — a database from before them — counts as changed), and
 * the retrieval backends are told. Here in `shared/` because both the content routes and the
 * job's Durable Object (its `retrieve` step) ensure the build is ingested; both have `ASSETS`.
 */
import { db } from "../db/client";
import type { ContentPageRow } from "../db/schema";
import type { Logger } from "../log";
import { type RetrievalEnv, retrievalBackends } from "../retrieval";
import { type Passage, pagePassages } from "../retrieval/passages";
import { searchBackend } from "../search";
import { BuildInfo, Manifest } from "../site/manifest";
import {
  buildIngested,
  currentHashes,
  deletePageStatement,
  deletePassagesStatement,
  markBuildStatement,
  type NewContentPage,
  pagesWithPassages,
  passageKeysOf,
  passagesMissing,
  replacePassagesStatements,
  upsertPageStatements,
} from "./repo";

const ASSET_ORIGIN = "https://assets.internal";

/** Statements per D1 batch: well under D1's limits, few round trips. */
const BATCH = 50;
/** Twins fetched at once from the assets. */
const FETCH_CONCURRENCY = 8;

// One ingestion per build at a time in this isolate; concurrent requests wait for it.
const inflight = new Map<string, Promise<void>>();

/** The bindings ingestion uses: D1, the assets, and what the search and retrieval backends need. */
export type ContentEnv = RetrievalEnv &
  Pick<Env, "ASSETS" | "VECTORIZE"> & {
    SEARCH_BACKEND?: string;
  };

/** Where the build's files are read from: the `ASSETS` binding (a test may hand its own). */
export type AssetSource = Pick<Fetcher, "fetch">;

async function fetchAsset(assets: AssetSource, path: string): Promise<Response> {
  return assets.fetch(new Request(`${ASSET_ORIGIN}${path}`));
}

/**
 * Makes sure the build being served is in D1. Cheap when it is: one small asset read and one
 * indexed lookup. Without a built site (no `build.json`) there is nothing to do.
 */
export async function ensureContentIngested(env: ContentEnv, log?: Logger): Promise<void> {
  const res = await fetchAsset(env.ASSETS, "/_content/build.json");
  if (!res.ok) {
    await res.body?.cancel();
    return;
  }
  const info = BuildInfo.safeParse(await res.json().catch(() => null));
  if (!info.success) return;
  const { buildId } = info.data;
  const d = db(env.DB);
  if ((await buildIngested(d, buildId)) && !(await passagesMissing(d))) return;
  let running = inflight.get(buildId);
  if (!running) {
    running = ingestBuild(env, buildId, log).finally(() => inflight.delete(buildId));
    inflight.set(buildId, running);
  }
  await running;
}

/**
 * Ingests the manifest now being served (or the one `assets` serves). Exported for tests; use
 * `ensureContentIngested`.
 */
export async function ingestBuild(
  env: ContentEnv,
  expectedBuildId: string,
  log?: Logger,
  assets: AssetSource = env.ASSETS,
): Promise<void> {
  const started = Date.now();
  const res = await fetchAsset(assets, "/_content/manifest.json");
  if (!res.ok) throw new Error(`content manifest missing (${res.status})`);
  const manifest = Manifest.parse(await res.json());
  if (manifest.buildId !== expectedBuildId) {
    log?.warn("content manifest changed during ingestion", { expectedBuildId, buildId: manifest.buildId });
  }
  const d = db(env.DB);
  const now = Date.now();
  const current = await currentHashes(d);
  const indexed = await pagesWithPassages(d);
  const changed = manifest.pages.filter((p) => {
    const key = `${p.locale}:${p.slug}`;
    return current.get(key) !== p.hash || !indexed.has(key);
  });
  const present = new Set(manifest.pages.map((p) => `${p.locale}:${p.slug}`));
  const removed = [...current.keys()]
    .filter((k) => !present.has(k))
    .map((k) => {
      const [locale = "", ...rest] = k.split(":");
      return { locale, slug: rest.join(":") };
    });

  const rows: ContentPageRow[] = [];
  for (let i = 0; i < changed.length; i += FETCH_CONCURRENCY) {
    const chunk = changed.slice(i, i + FETCH_CONCURRENCY);
    const twins = await Promise.all(
      chunk.map(async (p) => {
        const twin = await fetchAsset(assets, p.twin);
        if (!twin.ok) throw new Error(`markdown twin ${p.twin} missing (${twin.status})`);
        return twin.text();
      }),
    );
    chunk.forEach((p, j) => {
      const page: NewContentPage = {
        locale: p.locale,
        slug: p.slug,
        url: p.url,
        section: p.section,
        title: p.title,
        description: p.description,
        date: p.date,
        tags: JSON.stringify(p.tags),
        hash: p.hash,
        revision: manifest.revision,
        markdown: twins[j] ?? "",
      };
      rows.push({ ...page, updatedAt: now });
    });
  }

  const passages: Passage[] = rows.flatMap((page) => pagePassages(page));
  const backends = retrievalBackends(env);
  // Vectors of the passages about to be replaced (only a vector backend needs them).
  const stale = backends.some((b) => b.name !== "d1")
    ? (
        await Promise.all(
          [...rows, ...removed].map(async (p) =>
            (await passageKeysOf(d, p.locale, p.slug)).map((k) => ({ locale: p.locale, slug: p.slug, seq: k.seq })),
          ),
        )
      ).flat()
    : [];
  const statements = [
    ...rows.flatMap((page) => upsertPageStatements(d, page, manifest.buildId, now)),
    ...rows.flatMap((page) =>
      replacePassagesStatements(
        d,
        page.locale,
        page.slug,
        passages.filter((p) => p.locale === page.locale && p.slug === page.slug),
      ),
    ),
    ...removed.flatMap((r) => [deletePageStatement(d, r.locale, r.slug), deletePassagesStatement(d, r.locale, r.slug)]),
  ];
  for (let i = 0; i < statements.length; i += BATCH) {
    const chunk = statements.slice(i, i + BATCH);
    const [first, ...rest] = chunk;
    if (first) await d.batch([first, ...rest]);
  }
  await searchBackend(env).index(rows, removed);
  for (const backend of backends) await backend.index(passages, stale);
  await markBuildStatement(
    d,
    { buildId: expectedBuildId, revision: manifest.revision, builtAt: manifest.builtAt, pages: manifest.pages.length },
    now,
  );
  log?.info("content ingested", {
    buildId: manifest.buildId,
    pages: manifest.pages.length,
    changed: rows.length,
    passages: passages.length,
    removed: removed.length,
    durationMs: Date.now() - started,
  });
}
