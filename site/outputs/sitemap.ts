/**
 * `sitemap.xml`, with each page's hreflang alternates in Google's `xhtml:link` form, and
 * `robots.txt`, which points to it.
 */
import { escapeHtml as xml } from "../../shared/html.ts";
import type { Locale } from "../config.ts";
import type { PageRecord } from "../page.ts";
import type { OutputContext } from "./output.ts";

/** Writes the sitemap (every page, then the listings' first pages) and `robots.txt`. */
export function writeSitemap(c: OutputContext, pages: PageRecord[], listings: string[]): void {
  const { baseUrl } = c;
  const sitemapUrls: { loc: string; lastmod?: string; alternates: Partial<Record<Locale, string>> }[] = pages.map(
    (p) => ({ loc: p.url, lastmod: p.updated ?? p.date, alternates: p.alternates }),
  );
  for (const loc of listings) sitemapUrls.push({ loc, alternates: {} });
  c.out.url(
    "/sitemap.xml",
    "sitemap.xml",
    `<?xml version="1.0" encoding="utf-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
${sitemapUrls
  .map(
    (u) =>
      `<url><loc>${xml(baseUrl + u.loc)}</loc>${u.lastmod ? `<lastmod>${u.lastmod}</lastmod>` : ""}${Object.entries(
        u.alternates,
      )
        .map(([l, href]) => `<xhtml:link rel="alternate" hreflang="${l}" href="${xml(baseUrl + href)}"/>`)
        .join("")}</url>`,
  )
  .join("\n")}
</urlset>
`,
  );
  c.out.url(
    "/robots.txt",
    "robots.txt",
    `User-agent: *\nAllow: /\nDisallow: /v1/\n\nSitemap: ${baseUrl}/sitemap.xml\n`,
  );
}
