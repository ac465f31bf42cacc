import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE } from "./helpers/api";
import { expectProblem } from "./helpers/problem";

// These tests run against the real site build (`npm test` builds it first), served by the
// ASSETS binding and ingested into D1 on the first content request.

const get = (path: string, headers: Record<string, string> = {}) =>
  exports.default.fetch(`${BASE}${path}`, { headers });

describe("content API", () => {
  it("ingests the served build once and lists pages with locale and tag filters", async () => {
    const res = await get("/v1/content?locale=en&limit=100");
    expect(res.status).toBe(200);
    const body = await res.json<{ items: { slug: string; locale: string; url: string; tags: string[] }[] }>();
    const slugs = body.items.map((i) => i.slug);
    expect(slugs).toEqual(
      expect.arrayContaining([
        "home",
        "about",
        "submit",
        "pricing",
        "articles/edge-first",
        "services/web-development",
        "services",
        "problems",
      ]),
    );
    expect(body.items.every((i) => i.locale === "en")).toBe(true);
    expect(body.items.find((i) => i.slug === "articles/edge-first")?.url).toBe("/articles/edge-first/");

    const builds = await env.DB.prepare("SELECT COUNT(*) AS n FROM content_builds").first<{ n: number }>();
    expect(builds?.n).toBe(1);
    await get("/v1/content");
    const again = await env.DB.prepare("SELECT COUNT(*) AS n FROM content_builds").first<{ n: number }>();
    expect(again?.n).toBe(1);

    const tagged = await (await get("/v1/content?tag=api")).json<{ items: { slug: string; tags: string[] }[] }>();
    expect(tagged.items.length).toBeGreaterThanOrEqual(4);
    expect(tagged.items.every((i) => i.tags.includes("api"))).toBe(true);
    const czech = await (await get("/v1/content?locale=cs&limit=100")).json<{ items: { url: string }[] }>();
    expect(czech.items.length).toBeGreaterThanOrEqual(7);
    expect(czech.items.every((i) => i.url.startsWith("/cs/"))).toBe(true);
  });

  it("pages through every page with cursors, without repeats or gaps", async () => {
    const all = await (await get("/v1/content?limit=100")).json<{ items: { slug: string; locale: string }[] }>();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/content?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await (await get(url)).json<{
        items: { slug: string; locale: string }[];
        nextCursor: string | null;
      }>();
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((i) => `${i.locale}:${i.slug}`));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((i) => `${i.locale}:${i.slug}`));
  });

  it("rejects a bad cursor, an unknown locale and a bad limit with 422 problems", async () => {
    const bad = await expectProblem(await get("/v1/content?cursor=not-a-cursor"), 422, "/problems/validation");
    expect(bad.errors).toEqual([{ pointer: "/cursor", detail: expect.stringMatching(/cursor is not valid/) }]);
    const locale = await expectProblem(await get("/v1/content?locale=de"), 422, "/problems/validation");
    expect(locale.errors?.[0]?.pointer).toBe("/locale");
    await expectProblem(await get("/v1/content?limit=1000"), 422, "/problems/validation");
  });

  it("serves a page as JSON, markdown or HTML by Accept, with an ETag that revalidates", async () => {
    const json = await get("/v1/content/articles/edge-first");
    expect(json.status).toBe(200);
    expect(json.headers.get("vary")).toBe("Accept");
    const page = await json.json<{ title: string; markdown: string; html: string; hash: string }>();
    expect(page.title).toBe("Why StateX runs on the edge");
    expect(page.markdown).toMatch(/^# Why StateX runs on the edge/);
    expect(page.html).toContain("<table>");
    expect(page.hash).toMatch(/^[0-9a-f]{64}$/);

    const md = await get("/v1/content/articles/edge-first?locale=cs", { accept: "text/markdown" });
    expect(md.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(await md.text()).toMatch(/^# Proč StateX běží na edge/);

    const html = await get("/v1/content/articles/edge-first", { accept: "text/html,application/xhtml+xml" });
    expect(html.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const etag = html.headers.get("etag") ?? "";
    expect(etag).not.toBe("");
    const revalidated = await get("/v1/content/articles/edge-first", { accept: "text/html", "if-none-match": etag });
    expect(revalidated.status).toBe(304);

    await expectProblem(
      await get("/v1/content/articles/edge-first", { accept: "image/png" }),
      406,
      "/problems/not-acceptable",
    );
  });

  it("answers an unknown slug with 404 problem+json", async () => {
    const body = await expectProblem(await get("/v1/content/no-such-page"), 404, "/problems/not-found");
    expect(body.detail).toContain("no-such-page");
    await expectProblem(await get("/v1/content/no-such-page/versions"), 404, "/problems/not-found");
    await expectProblem(await get("/v1/content/Bad_Slug!"), 404, "/problems/not-found");
    await expectProblem(await get("/v1/content/services/no-such-page"), 404, "/problems/not-found");
    await expectProblem(await get("/v1/content/services/no-such-page/versions"), 404, "/problems/not-found");
    await expectProblem(await get("/v1/content/services//x"), 404, "/problems/not-found");
  });

  it("serves a page whose slug is a nested folder path, and its versions", async () => {
    const page = await (await get("/v1/content/services/web-development?locale=cs")).json<{
      slug: string;
      url: string;
      locale: string;
    }>();
    expect(page).toMatchObject({
      slug: "services/web-development",
      url: "/cs/services/web-development/",
      locale: "cs",
    });
    const md = await get("/v1/content/services/web-development", { accept: "text/markdown" });
    expect(md.status).toBe(200);
    expect(await md.text()).toMatch(/^# /);
    const folder = await (await get("/v1/content/services")).json<{ slug: string; url: string }>();
    expect(folder).toMatchObject({ slug: "services", url: "/services/" });
    const versions = await (await get("/v1/content/services/web-development/versions")).json<{
      slug: string;
      versions: { current: boolean }[];
    }>();
    expect(versions.slug).toBe("services/web-development");
    expect(versions.versions.some((v) => v.current)).toBe(true);
  });

  it("lists versions, and records a new one when a page's content hash changes", async () => {
    await get("/v1/content");
    const before = await (await get("/v1/content/about/versions")).json<{
      versions: { hash: string; revision: string }[];
    }>();
    expect(before.versions).toHaveLength(1);
    expect(before.versions[0]?.revision).toMatch(/^[0-9a-f]{40}$|^unknown$/);

    // Simulate an older build having recorded a different hash: the next ingestion must add
    // the served hash as a new version and keep the old one.
    await env.DB.batch([
      env.DB.prepare(
        "UPDATE content_pages SET hash = 'old', markdown = 'old text' WHERE locale = 'en' AND slug = 'about'",
      ),
      env.DB.prepare("DELETE FROM content_builds"),
    ]);
    const after = await (await get("/v1/content/about/versions")).json<{ versions: { hash: string }[] }>();
    expect(after.versions).toHaveLength(1); // the old hash was never a recorded version
    const page = await (await get("/v1/content/about")).json<{ hash: string; markdown: string }>();
    expect(page.hash).toBe(before.versions[0]?.hash);
    expect(page.markdown).not.toBe("old text");

    await env.DB.prepare(
      "INSERT INTO content_versions (locale, slug, hash, revision, build_id, title, recorded_at) VALUES ('en', 'about', 'abc', 'rev0', 'b0', 'Old title', 1)",
    ).run();
    const listed = await (await get("/v1/content/about/versions")).json<{
      versions: { hash: string; title: string; current: boolean }[];
    }>();
    expect(listed.versions.map((v) => [v.hash, v.current])).toEqual([
      [before.versions[0]?.hash, true],
      ["abc", false],
    ]);
  });

  it("deletes pages that left the build, from the API and from search", async () => {
    await get("/v1/content");
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO content_pages (locale, slug, url, title, description, tags, hash, revision, markdown, updated_at) VALUES ('en', 'retired', '/retired/', 'Retired zeppelin page', 'Gone.', '[]', 'h', 'r', 'zeppelin', 1)",
      ),
      env.DB.prepare("DELETE FROM content_builds"),
    ]);
    // The next request re-ingests the served build, which has no such page.
    await expectProblem(await get("/v1/content/retired"), 404, "/problems/not-found");
    const hits = await (await get("/v1/search?q=zeppelin")).json<{ results: unknown[] }>();
    expect(hits.results).toEqual([]);
  });

  it("describes every content route in the OpenAPI document", async () => {
    const doc = await (await get("/openapi.json")).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/content", "/v1/content/{slug}", "/v1/content/{slug}/versions", "/v1/search"]),
    );
  });
});
