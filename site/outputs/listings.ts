/**
 * Section listings: for each section of a locale without an index page of its own, its pages
 * newest first, `PAGE_SIZE` to a listing page (`/articles/`, `/articles/page/2/`, …). The
 * pagination and the listing rows are shared with the tag pages (`tags.ts`).
 */
import { type Locale, PAGE_SIZE, STRINGS } from "../config.ts";
import { byDateDesc } from "../order.ts";
import type { PageRecord } from "../page.ts";
import { homeOf, layout, listing, listingRow } from "../templates.ts";
import type { OutputContext } from "./output.ts";

/** One listing page of `items`: its URL, its items and its neighbours' URLs. */
export interface ListingPage<T> {
  url: string;
  items: T[];
  prev?: string;
  next?: string;
}

/** Cuts `items` into listing pages: `base`, then `base` + `page/2/`, … (at least one page). */
export function paginate<T>(items: T[], base: string): ListingPage<T>[] {
  const pages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
  const urlOf = (i: number) => (i === 0 ? base : `${base}page/${i + 1}/`);
  return Array.from({ length: pages }, (_, i) => ({
    url: urlOf(i),
    items: items.slice(i * PAGE_SIZE, (i + 1) * PAGE_SIZE),
    prev: i > 0 ? urlOf(i - 1) : undefined,
    next: i < pages - 1 ? urlOf(i + 1) : undefined,
  }));
}

/** A page's listing line, made once for its section's listing and each of its tags'. */
export function listingRows(): (p: PageRecord) => string {
  const rows = new Map<PageRecord, string>();
  return (p) => {
    let html = rows.get(p);
    if (html === undefined) {
      html = listingRow(p.locale, p);
      rows.set(p, html);
    }
    return html;
  };
}

/**
 * The sections of one locale that get a listing (`mine`: its published pages; `pageUrls`: every
 * page's URL, so a section with an index page of its own gets none), each with its pages.
 */
export function listedSections(
  locale: Locale,
  mine: PageRecord[],
  pageUrls: ReadonlySet<string>,
): Map<string, PageRecord[]> {
  const home = homeOf(locale);
  const sections = new Map<string, PageRecord[]>();
  for (const p of mine) {
    if (!p.section || p.url === `${home}${p.section}/`) continue;
    const list = sections.get(p.section) ?? [];
    list.push(p);
    sections.set(p.section, list);
  }
  for (const section of sections.keys()) if (pageUrls.has(`${home}${section}/`)) sections.delete(section);
  return sections;
}

/**
 * Writes one section's listing pages (`list`: its pages, from `listedSections`) and returns
 * the URL of the first, for the sitemap.
 */
export function writeListing(
  c: OutputContext,
  locale: Locale,
  section: string,
  list: PageRecord[],
  row: (p: PageRecord) => string,
): string[] {
  const s = STRINGS[locale];
  const home = homeOf(locale);
  const base = `${home}${section}/`;
  const sorted = [...list].sort(byDateDesc);
  const label = c.nav?.sections[locale][section] ?? s.sections[section] ?? section;
  for (const pg of paginate(sorted, base)) {
    const title = pg.prev ? `${label} — ${s.page(Number(pg.url.split("/").at(-2)))}` : label;
    c.out.page(
      pg.url,
      layout({
        locale,
        baseUrl: c.baseUrl,
        url: pg.url,
        title,
        description: title,
        body: listing(locale, title, pg.items, pg.prev, pg.next, row),
        assets: c.assets,
        nav: c.nav?.nav[locale],
        alternates: {},
        crumbs: [
          { href: home, label: s.home },
          { href: base, label },
        ],
      }),
    );
  }
  return [base];
}
