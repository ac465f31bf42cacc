/**
 * Retrieval over the local D1: ingestion writes each changed page's passages into
 * `content_passages` (FTS5 `passages_search` follows), incrementally by hash; `retrieve` ranks
 * them by BM25 with headings above body mentions, folds Czech diacritics, prefers the request's
 * locale, and stays bounded and error-free whatever the request holds. The pages are the
 * test's own, served by a stand-in for the `ASSETS` binding — never the demo content.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { ingestBuild } from "../shared/content/ingest";
import { retrieve } from "../shared/retrieval";
import { buildQuery, MAX_QUERY_TERMS } from "../shared/retrieval/query";

interface TestPage {
  locale: string;
  slug: string;
  title: string;
  markdown: string;
}

let build = 0;

/** Serves a manifest and twins for `pages`, as the site build's assets would. */
function site(pages: TestPage[]) {
  build++;
  const url = (p: TestPage) => (p.locale === "en" ? `/t/${p.slug}/` : `/${p.locale}/t/${p.slug}/`);
  const manifest = {
    version: 1,
    buildId: `test-${build}`,
    revision: "r",
    builtAt: "2026-01-01T00:00:00Z",
    pages: pages.map((p) => ({
      locale: p.locale,
      slug: p.slug,
      url: url(p),
      twin: `${url(p)}index.md`,
      section: "t",
      title: p.title,
      description: "",
      date: null,
      tags: [],
      hash: `h${p.markdown.length}:${[...p.markdown].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)}`,
    })),
  };
  const files = new Map<string, string>([["/_content/manifest.json", JSON.stringify(manifest)]]);
  for (const p of pages) files.set(`${url(p)}index.md`, p.markdown);
  const assets = {
    fetch: async (input: RequestInfo | URL) => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      const body = files.get(path);
      return body === undefined ? new Response("no", { status: 404 }) : new Response(body);
    },
  } as unknown as Fetcher;
  return { ingest: () => ingestBuild(env, manifest.buildId, undefined, assets) };
}

const rows = async () =>
  (
    await env.DB.prepare(
      "SELECT locale, slug, anchor, seq, text FROM content_passages ORDER BY locale, slug, seq",
    ).all<{
      locale: string;
      slug: string;
      anchor: string;
      seq: number;
      text: string;
    }>()
  ).results;

const hosting: TestPage = {
  locale: "en",
  slug: "hosting",
  title: "Hosting",
  markdown:
    "# Hosting\n\nWe host sites.\n\n## Backups\n\nDaily backups kept for 30 days.\n\n## Uptime\n\nMonitored every minute.\n",
};
const support: TestPage = {
  locale: "en",
  slug: "support",
  title: "Support",
  markdown:
    "# Support\n\nPlans for upkeep.\n\n## Refunds\n\nRefunds within 14 days. Backups are mentioned here once.\n",
};
const cenik: TestPage = {
  locale: "cs",
  slug: "cenik",
  title: "Ceník",
  markdown: "# Ceník\n\nNaše ceny.\n\n## Zálohování\n\nDenní zálohy uchováváme 30 dní.\n",
};

beforeEach(async () => {
  await env.DB.batch([env.DB.prepare("DELETE FROM content_passages"), env.DB.prepare("DELETE FROM content_pages")]);
});

describe("ingestion writes passages", () => {
  it("indexes every page's passages, and re-indexes only a changed page; a removed page's go", async () => {
    await site([hosting, support, cenik]).ingest();
    const first = await rows();
    expect(first.map((r) => `${r.locale}:${r.slug}#${r.anchor}`)).toEqual([
      "cs:cenik#",
      "cs:cenik#zalohovani",
      "en:hosting#",
      "en:hosting#backups",
      "en:hosting#uptime",
      "en:support#",
      "en:support#refunds",
    ]);
    const rowids = async (slug: string) =>
      (
        await env.DB.prepare("SELECT rowid FROM content_passages WHERE slug = ?1 ORDER BY seq")
          .bind(slug)
          .all<{ rowid: number }>()
      ).results.map((r) => r.rowid);
    const supportBefore = await rowids("support");

    const changed = { ...hosting, markdown: `${hosting.markdown}\n## Restores\n\nRestored within a day.\n` };
    await site([changed, support]).ingest();
    const second = await rows();
    expect(second.filter((r) => r.slug === "hosting").map((r) => r.anchor)).toEqual([
      "",
      "backups",
      "uptime",
      "restores",
    ]);
    // The unchanged page's rows were not rewritten; the removed page's are gone.
    expect(await rowids("support")).toEqual(supportBefore);
    expect(second.some((r) => r.slug === "cenik")).toBe(false);
    const fts = await env.DB.prepare(
      "SELECT count(*) AS n FROM passages_search WHERE passages_search MATCH 'zalohy'",
    ).first<{ n: number }>();
    expect(fts?.n).toBe(0);
    const found = await retrieve(env, ["restored within a day"], { locale: "en" });
    expect(found.passages[0]?.id).toBe("en:hosting#restores");
    expect(found.passages[0]?.url).toBe("/t/hosting/#restores");
  });
});

describe("retrieve", () => {
  it("ranks a heading match above a body mention", async () => {
    await site([hosting, support, cenik]).ingest();
    const { passages } = await retrieve(env, ["How long do you keep backups?"], { locale: "en" });
    expect(passages[0]?.id).toBe("en:hosting#backups");
    expect(passages.map((p) => p.id)).toContain("en:support#refunds");
    expect(passages.findIndex((p) => p.id === "en:support#refunds")).toBeGreaterThan(0);
  });

  it("folds Czech diacritics both ways and prefers the request's locale", async () => {
    await site([hosting, support, cenik]).ingest();
    const plain = await retrieve(env, ["zalohovani a zalohy"], { locale: "cs" });
    expect(plain.passages[0]?.id).toBe("cs:cenik#zalohovani");
    const accented = await retrieve(env, ["Jak dlouho uchováváte zálohy?"], { locale: "cs" });
    expect(accented.passages[0]?.id).toBe("cs:cenik#zalohovani");
    expect(accented.passages.every((p) => p.locale === "cs")).toBe(true);
  });

  it("keeps at most two passages of one page", async () => {
    const many: TestPage = {
      locale: "en",
      slug: "many",
      title: "Backups",
      markdown: `# Backups\n\n${[1, 2, 3, 4].map((n) => `## Backups ${n}\n\nbackups backups ${n}\n`).join("\n")}`,
    };
    await site([many, hosting]).ingest();
    const { passages } = await retrieve(env, ["backups"], { locale: "en" });
    expect(passages.filter((p) => p.url.startsWith("/t/many/")).length).toBe(2);
    expect(passages.some((p) => p.url.startsWith("/t/hosting/"))).toBe(true);
  });

  it("for a price question, brings the best page's price section even when it shares no word with the request", async () => {
    const bakery: TestPage = {
      locale: "en",
      slug: "bakery-sites",
      title: "Bakery websites",
      markdown:
        "# Bakery websites\n\nWebsites for bakeries with online bread orders.\n\n## What you get\n\nAn online order form for bread, cakes and pastries.\n\n## Terms\n\nFrom €1,900, ready in 3 weeks.\n",
    };
    const noise: TestPage = {
      locale: "en",
      slug: "blog",
      title: "Blog",
      markdown: "# Blog\n\n## Bread\n\nWe like bread and online orders and bakeries.\n",
    };
    await site([bakery, noise, hosting]).ingest();
    const asked = await retrieve(env, ["We bake bread and want online orders. What would that cost?"], {
      locale: "en",
    });
    expect(asked.passages.map((p) => p.id)).toContain("en:bakery-sites#terms");
    // Not asked for a figure, the section that shares no word stays out.
    const plain = await retrieve(env, ["We bake bread and want online orders."], { locale: "en" });
    expect(plain.passages.map((p) => p.id)).not.toContain("en:bakery-sites#terms");
  });

  it("answers zero passages with nothing indexed or nothing searchable", async () => {
    expect((await retrieve(env, ["backups"], { locale: "en" })).passages).toEqual([]);
    await site([hosting]).ingest();
    expect((await retrieve(env, ["the and of", "", "!!! ???"], { locale: "en" })).passages).toEqual([]);
  });

  it("takes hostile text as words: FTS5 syntax, quotes, NEAR, *, unicode, 1 MB — bounded and error-free", async () => {
    await site([hosting, support, cenik]).ingest();
    const attacks = [
      '"unbalanced quote backups',
      "NEAR(backups uptime, 2)",
      "backups* OR uptime AND NOT refunds",
      "title:backups section:^uptime {text}: -refunds +x",
      "back\u0000ups \u202e\u200b𝔟𝔞𝔠𝔨𝔲𝔭𝔰 🙂 ZÁLOHY",
      `${"backups ".repeat(150_000)}`,
      Array.from({ length: 100_000 }, (_, i) => `w${i}`).join(" "),
    ];
    for (const text of attacks) {
      const q = buildQuery([text]);
      expect(q.terms.length).toBeLessThanOrEqual(MAX_QUERY_TERMS);
      for (const t of q.terms) expect(t).toMatch(/^[\p{L}\p{N}]+$/u);
      const started = Date.now();
      const found = await retrieve(env, [text, text], { locale: "en" });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(found.passages.length).toBeLessThanOrEqual(6);
    }
    const near = await retrieve(env, ["NEAR(backups uptime, 2)"], { locale: "en" });
    expect(near.passages.map((p) => p.id)).toContain("en:hosting#backups");
  });
});
