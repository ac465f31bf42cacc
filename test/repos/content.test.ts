/**
 * The content queries (workers/api/content/repo.ts) against the local D1: the once-per-build
 * marker, page upserts and their version history, metadata-only touches, deletions, and the
 * listing's filters and (locale, slug) cursor. Pages here carry made-up locales and a tag of
 * their own, so nothing the site build ingests can be mistaken for them.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { db } from "../../shared/db/client";
import { pagesByKeys } from "../../shared/search/pages";
import {
  buildIngested,
  currentHashes,
  deletePageStatement,
  findPage,
  listPages,
  listVersions,
  markBuildStatement,
  type NewContentPage,
  touchPageStatement,
  upsertPageStatements,
} from "../../workers/api/content/repo";

const d = db(env.DB);
const TAG = "repo-test";

function page(locale: string, slug: string, overrides: Partial<NewContentPage> = {}): NewContentPage {
  return {
    locale,
    slug,
    url: `/${locale}/${slug}/`,
    section: "articles",
    title: `Title of ${slug}`,
    description: `About ${slug}`,
    date: "2030-01-15",
    tags: JSON.stringify([TAG]),
    hash: `hash-${slug}-1`,
    revision: "rev1",
    markdown: `# ${slug}`,
    ...overrides,
  };
}

/** Runs a page's statements as ingestion does: one batch. */
async function upsert(p: NewContentPage, buildId: string, now: number) {
  const [first, ...rest] = upsertPageStatements(d, p, buildId, now);
  if (first) await d.batch([first, ...rest]);
}

describe("build markers", () => {
  it("records a build once; a second mark keeps the first", async () => {
    const buildId = `build-${crypto.randomUUID()}`;
    expect(await buildIngested(d, buildId)).toBe(false);
    await markBuildStatement(d, { buildId, revision: "r1", builtAt: "2030-01-15T00:00:00Z", pages: 3 }, 1000);
    expect(await buildIngested(d, buildId)).toBe(true);
    await markBuildStatement(d, { buildId, revision: "r2", builtAt: "2030-01-16T00:00:00Z", pages: 9 }, 2000);
    const row = await env.DB.prepare("SELECT revision, pages, ingested_at FROM content_builds WHERE build_id = ?")
      .bind(buildId)
      .first();
    expect(row).toEqual({ revision: "r1", pages: 3, ingested_at: 1000 });
    expect(await buildIngested(d, `${buildId}-other`)).toBe(false);
  });
});

describe("page upserts and versions", () => {
  it("inserts a page, updates it on a new hash, and records each hash once, newest first", async () => {
    await upsert(page("zu", "upsert"), "b1", 1000);
    expect(await findPage(d, "zu", "upsert")).toMatchObject({
      hash: "hash-upsert-1",
      markdown: "# upsert",
      updatedAt: 1000,
    });

    await upsert(
      page("zu", "upsert", { hash: "hash-upsert-2", markdown: "# changed", title: "New title" }),
      "b2",
      2000,
    );
    expect(await findPage(d, "zu", "upsert")).toMatchObject({
      hash: "hash-upsert-2",
      markdown: "# changed",
      title: "New title",
      updatedAt: 2000,
    });
    // The same hash again from a later build: the version keeps the build that first had it.
    await upsert(page("zu", "upsert", { hash: "hash-upsert-2", markdown: "# changed" }), "b3", 3000);
    const versions = await listVersions(d, "zu", "upsert");
    expect(versions.map((v) => [v.hash, v.buildId, v.recordedAt])).toEqual([
      ["hash-upsert-2", "b2", 2000],
      ["hash-upsert-1", "b1", 1000],
    ]);
    expect((await currentHashes(d)).get("zu:upsert")).toBe("hash-upsert-2");
  });

  it("orders versions recorded at the same time by hash, descending", async () => {
    await upsert(page("zu", "tie", { hash: "a-hash" }), "b1", 5000);
    await upsert(page("zu", "tie", { hash: "b-hash" }), "b1", 5000);
    expect((await listVersions(d, "zu", "tie")).map((v) => v.hash)).toEqual(["b-hash", "a-hash"]);
  });

  it("touches metadata without changing the markdown or the hash", async () => {
    await upsert(page("zu", "touch"), "b1", 1000);
    const { markdown: _markdown, revision: _revision, ...meta } = page("zu", "touch");
    await touchPageStatement(d, { ...meta, title: "Retitled", tags: JSON.stringify([TAG, "extra"]) }, 4000);
    expect(await findPage(d, "zu", "touch")).toMatchObject({
      title: "Retitled",
      tags: JSON.stringify([TAG, "extra"]),
      markdown: "# touch",
      hash: "hash-touch-1",
      revision: "rev1",
      updatedAt: 4000,
    });
    expect(await listVersions(d, "zu", "touch")).toHaveLength(1);
  });

  it("deletes a page, keeping its history", async () => {
    await upsert(page("zu", "gone"), "b1", 1000);
    await deletePageStatement(d, "zu", "gone");
    expect(await findPage(d, "zu", "gone")).toBeNull();
    expect((await currentHashes(d)).has("zu:gone")).toBe(false);
    expect(await listVersions(d, "zu", "gone")).toHaveLength(1);
  });
});

describe("listPages", () => {
  it("filters by locale and by tag, and pages by (locale, slug) with one row more than asked", async () => {
    for (const [locale, slug] of [
      ["zx", "b"],
      ["zx", "a"],
      ["zy", "a"],
      ["zy", "c"],
    ] as const) {
      await upsert(page(locale, slug), "b1", 1000);
    }
    await upsert(page("zy", "untagged", { tags: "[]" }), "b1", 1000);
    // Another tag that merely contains this one's name does not match.
    await upsert(page("zy", "lookalike", { tags: JSON.stringify([`${TAG}-not`]) }), "b1", 1000);

    const keys = (rows: { locale: string; slug: string }[]) => rows.map((r) => `${r.locale}:${r.slug}`);
    expect(keys(await listPages(d, { locale: "zx", limit: 10 }))).toEqual(["zx:a", "zx:b"]);
    const tagged = await listPages(d, { tag: TAG, limit: 100 });
    expect(keys(tagged).filter((k) => k.startsWith("zx:") || k.startsWith("zy:"))).toEqual([
      "zx:a",
      "zx:b",
      "zy:a",
      "zy:c",
    ]);
    // limit + 1 rows: the caller learns there is more.
    const firstPage = await listPages(d, { tag: TAG, locale: "zx", limit: 1 });
    expect(keys(firstPage)).toEqual(["zx:a", "zx:b"]);
    // The cursor continues within the locale, then into the next one.
    // (Locales are ordered zk < zl < zu < zx < zy: the other tests' pages come before these.)
    expect(keys(await listPages(d, { tag: TAG, limit: 2, after: { locale: "zx", slug: "a" } }))).toEqual([
      "zx:b",
      "zy:a",
      "zy:c",
    ]);
    expect(keys(await listPages(d, { tag: TAG, limit: 10, after: { locale: "zx", slug: "b" } }))).toEqual([
      "zy:a",
      "zy:c",
    ]);
    expect(keys(await listPages(d, { locale: "zy", tag: TAG, limit: 10, after: { locale: "zy", slug: "a" } }))).toEqual(
      ["zy:c"],
    );
  });
});

describe("findPage and pagesByKeys", () => {
  it("reads pages by key, ignoring keys that name none", async () => {
    await upsert(page("zk", "one"), "b1", 1000);
    await upsert(page("zl", "one"), "b1", 1000);
    await upsert(page("zk", "two"), "b1", 1000);
    expect(await findPage(d, "zk", "missing")).toBeNull();
    expect(await findPage(d, "zl", "two")).toBeNull();
    expect(await pagesByKeys(d, [])).toEqual([]);
    const rows = await pagesByKeys(d, [
      { locale: "zk", slug: "one" },
      { locale: "zl", slug: "one" },
      { locale: "zl", slug: "two" },
    ]);
    expect(rows.map((r) => `${r.locale}:${r.slug}`).sort()).toEqual(["zk:one", "zl:one"]);
  });
});
