/**
 * Everything the build writes that depends on more than one page, once every page is
 * rendered: per locale its section listings, tags, search and 404 pages and feeds; then the
 * sitemap and `robots.txt`, `llms.txt`, `_headers`, the manifest the Worker ingests, and
 * `llms-full.txt`. One module per output (`outputs/`), all written through one `Output`.
 */
import type { Manifest } from "../shared/site/manifest.ts";
import { LOCALES } from "./config.ts";
import type { Navigation } from "./nav.ts";
import { writeFeeds } from "./outputs/feeds.ts";
import { writeHeaders } from "./outputs/headers.ts";
import { listingRows, writeListings } from "./outputs/listings.ts";
import { llmsGroups, writeLlms } from "./outputs/llms.ts";
import { type LlmsFullSources, type LlmsIndex, writeLlmsFull } from "./outputs/llms-full.ts";
import { writeManifest } from "./outputs/manifest.ts";
import { Output } from "./outputs/output.ts";
import { writeSitemap } from "./outputs/sitemap.ts";
import { writeSpecialPages } from "./outputs/special-pages.ts";
import { writeTags } from "./outputs/tags.ts";
import type { PageRecord } from "./page.ts";
import type { AssetUrls } from "./templates.ts";

export interface AggregateOptions extends LlmsFullSources {
  outDir: string;
  baseUrl: string;
  assets: AssetUrls;
  revision: string;
  /** The output folder was empty when the build began (see `PageContext.fresh`). */
  fresh?: boolean;
  /** The navigation and section labels (`nav.ts`). */
  nav?: Navigation;
}

export interface Aggregates {
  /** URLs the aggregates made (for the broken-link check). */
  generated: Set<string>;
  manifest: Manifest;
  /** Files written, relative to the output folder (the next build removes those it no longer writes). */
  written: string[];
  llms: LlmsIndex;
}

/** Writes every aggregate output of `pages` (the published ones). */
export function writeAggregates(pages: PageRecord[], o: AggregateOptions): Aggregates {
  const out = new Output(o.outDir, o.fresh);
  const c = { out, baseUrl: o.baseUrl, assets: o.assets, nav: o.nav };
  const row = listingRows();
  const pageUrls = new Set(pages.map((p) => p.url));
  const listings: string[] = [];
  for (const locale of LOCALES) {
    const mine = pages.filter((p) => p.locale === locale);
    listings.push(...writeListings(c, locale, mine, pageUrls, row));
    writeTags(c, locale, mine, row);
    writeSpecialPages(c, locale);
    writeFeeds(c, locale, mine);
  }
  writeSitemap(c, pages, listings);
  const groups = llmsGroups(pages, o.nav?.sections.en);
  writeLlms(c, groups, pages);
  writeHeaders(c);
  const manifest = writeManifest(c, pages, o.revision);
  const llms = writeLlmsFull(c, groups, o);
  return { generated: out.generated, manifest, written: out.written, llms };
}
