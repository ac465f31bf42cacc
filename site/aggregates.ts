/**
 * Everything the build writes that depends on more than one page, once every page is
 * rendered: per locale its section listings, tags, search and 404 pages and feeds; then the
 * sitemap and `robots.txt`, `llms.txt`, `_headers`, the manifest the Worker ingests, and
 * `llms-full.txt`. One module per output (`outputs/`), all written through one `Output`.
 */
import { createHash, hash } from "node:crypto";
import type { Manifest } from "../shared/site/manifest.ts";
import { LOCALES } from "./config.ts";
import type { Navigation } from "./nav.ts";
import { writeFeeds } from "./outputs/feeds.ts";
import { writeHeaders } from "./outputs/headers.ts";
import { listedSections, listingRows, writeListing } from "./outputs/listings.ts";
import { llmsGroups, writeLlms } from "./outputs/llms.ts";
import { type LlmsFullSources, type LlmsIndex, writeLlmsFull } from "./outputs/llms-full.ts";
import { writeManifest } from "./outputs/manifest.ts";
import { Output, type ScopeRecord } from "./outputs/output.ts";
import { writeSitemap } from "./outputs/sitemap.ts";
import { writeSpecialPages } from "./outputs/special-pages.ts";
import { tagsOf, writeTagIndex, writeTagPages } from "./outputs/tags.ts";
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
  /** The generator's code and navigation (the cache key): part of every scope's key. */
  code?: string;
  /**
   * The previous build's scopes (`Output.scope`), when its files are in the output as it wrote
   * them: an incremental build with a valid cache.
   */
  reuse?: Record<string, ScopeRecord>;
}

export interface Aggregates {
  /** URLs the aggregates made (for the broken-link check). */
  generated: Set<string>;
  manifest: Pick<Manifest, "buildId">;
  /** Files written, relative to the output folder (the next build removes those it no longer writes). */
  written: string[];
  llms: LlmsIndex;
  /** What each scope was made from and wrote, for the next incremental build. */
  scopes: Record<string, ScopeRecord>;
}

/**
 * A digest of what the outputs other than the manifest and `llms-full.txt` read of a page:
 * its record without the source's hash and links, which an edit of the text alone changes.
 * Kept per record object, so a warm process (`--watch`) digests only the pages it rendered.
 */
const digests = new WeakMap<PageRecord, string>();
function digestOf(p: PageRecord): string {
  let d = digests.get(p);
  if (d === undefined) {
    const { hash: _hash, links: _links, ...read } = p;
    d = hash("sha1", JSON.stringify(read), "base64");
    digests.set(p, d);
  }
  return d;
}

/** The key of a scope made from `pages` and `extra` in the build's settings `base`. */
function keyOf(base: string, pages: readonly PageRecord[], extra = ""): string {
  let digests = "";
  for (const p of pages) digests += digestOf(p);
  return createHash("sha1").update(base).update("\0").update(extra).update("\0").update(digests).digest("base64");
}

/**
 * Writes every aggregate output of `pages` (the published ones), scope by scope: an
 * incremental build writes again only the scopes whose pages changed in what they show (a
 * page's text alone changes none but the manifest and `llms-full.txt`).
 */
export function writeAggregates(pages: PageRecord[], o: AggregateOptions): Aggregates {
  const out = new Output(o.outDir, o.fresh, o.reuse);
  const c = { out, baseUrl: o.baseUrl, assets: o.assets, nav: o.nav };
  // Everything every scope is made with besides its pages.
  const base = JSON.stringify([o.code ?? "", o.baseUrl, o.assets, o.nav ?? null]);
  const row = listingRows();
  const pageUrls = new Set(pages.map((p) => p.url));
  const listings: string[] = [];
  for (const locale of LOCALES) {
    const mine = pages.filter((p) => p.locale === locale);
    for (const [section, list] of listedSections(locale, mine, pageUrls))
      listings.push(
        ...out.scope(`listing ${locale} ${section}`, keyOf(base, list), () =>
          writeListing(c, locale, section, list, row),
        ),
      );
    const tags = tagsOf(mine);
    const names = [...tags.keys()].sort();
    const counts = names.map((t): [string, number] => [t, tags.get(t)?.length ?? 0]);
    out.scope(`tags ${locale}`, keyOf(base, [], JSON.stringify(counts)), () => writeTagIndex(c, locale, counts));
    for (const t of names) {
      const list = tags.get(t) ?? [];
      out.scope(`tag ${locale} ${t}`, keyOf(base, list), () => writeTagPages(c, locale, t, list, row));
    }
    out.scope(`special ${locale}`, keyOf(base, []), () => writeSpecialPages(c, locale));
    out.scope(`feeds ${locale}`, keyOf(base, mine), () => writeFeeds(c, locale, mine));
  }
  const every = keyOf(base, pages);
  out.scope("sitemap", keyOf(every, [], JSON.stringify(listings)), () => writeSitemap(c, pages, listings));
  const groups = llmsGroups(pages, o.nav?.sections.en);
  out.scope("llms", every, () => writeLlms(c, groups, pages));
  out.scope("headers", keyOf(base, []), () => writeHeaders(c));
  const manifest = writeManifest(c, pages, o.revision);
  const llms = writeLlmsFull(c, groups, o);
  return { generated: out.generated, manifest, written: out.written, llms, scopes: out.scopes };
}
