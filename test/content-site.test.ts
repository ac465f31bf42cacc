import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE } from "./helpers/api";

// The built site (dist/site) through the Worker: negotiation, caching headers, 404s.

const get = (path: string, headers: Record<string, string> = {}) =>
  exports.default.fetch(`${BASE}${path}`, { headers });

describe("site pages through the Worker", () => {
  it("serves HTML to browsers with Vary: Accept, an ETag and revalidation", async () => {
    const res = await get("/about/", { accept: "text/html,application/xhtml+xml,*/*;q=0.8" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("vary")).toBe("Accept");
    expect(res.headers.get("cache-control")).toBe("public, max-age=0, must-revalidate");
    expect(res.headers.get("link")).toBe('</about/index.md>; rel="alternate"; type="text/markdown"');
    const etag = res.headers.get("etag");
    expect(etag).toBeTruthy();
    const html = await res.text();
    expect(html).toContain('<link rel="alternate" hreflang="cs" href="https://statex.example/cs/about/">');
    expect(html).toContain('<script type="application/ld+json">');
    expect(html).toContain('<meta property="og:title" content="How the StateX platform works">');

    const again = await get("/about/", { accept: "text/html", "if-none-match": etag ?? "" });
    expect(again.status).toBe(304);
  });

  it("serves the markdown twin for Accept: text/markdown, at the same URL", async () => {
    const res = await get("/cs/about/", { accept: "text/markdown" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(res.headers.get("vary")).toBe("Accept");
    expect(res.headers.get("link")).toBe('</cs/about/>; rel="canonical"');
    expect(await res.text()).toMatch(/^# Jak platforma StateX funguje\n\n> /);
    // A browser that lists markdown below HTML still gets HTML.
    const browser = await get("/cs/about/", { accept: "text/html, text/markdown;q=0.5" });
    expect(browser.headers.get("content-type")).toMatch(/^text\/html/);
  });

  it("serves fingerprinted assets as immutable", async () => {
    const html = await (await get("/")).text();
    const css = /href="(\/assets\/site\.[0-9a-f]{10}\.css)"/.exec(html)?.[1];
    expect(css).toBeDefined();
    const res = await get(css ?? "");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  });

  it("answers an unknown page with the site's 404 page and status", async () => {
    const res = await get("/no/such/page/", { accept: "text/html" });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("Page not found");
    const api = await get("/v1/nothing-here");
    expect(api.headers.get("content-type")).toBe("application/problem+json");
  });

  it("serves llms.txt, the sitemap and the feeds", async () => {
    const llms = await get("/llms.txt");
    expect(llms.status).toBe(200);
    expect(await llms.text()).toMatch(/^# StateX\n\n> /);
    for (const path of ["/sitemap.xml", "/atom.xml", "/cs/rss.xml", "/robots.txt", "/llms-full.txt"]) {
      expect((await get(path)).status, path).toBe(200);
    }
  });
});
