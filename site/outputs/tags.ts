/**
 * Tags of one locale: the tag index (`/tags/`: every tag and its page count) and, for each
 * tag, its pages newest first as listing pages (`/tags/<tag>/`, then `page/2/`, … with
 * `noindex`).
 */
import { escapeHtml } from "../../shared/html.ts";
import { type Locale, STRINGS } from "../config.ts";
import { byDateDesc } from "../order.ts";
import type { PageRecord } from "../page.ts";
import { homeOf, layout, listing } from "../templates.ts";
import { paginate } from "./listings.ts";
import type { OutputContext } from "./output.ts";

/** The tags of one locale's published pages (`mine`), each with its pages, in `mine`'s order. */
export function tagsOf(mine: PageRecord[]): Map<string, PageRecord[]> {
  const tags = new Map<string, PageRecord[]>();
  for (const p of mine) {
    for (const t of p.tags) {
      const list = tags.get(t);
      if (list) list.push(p);
      else tags.set(t, [p]);
    }
  }
  return tags;
}

/** Writes one locale's tag index (`counts`: each tag and its number of pages, from `tagsOf`). */
export function writeTagIndex(c: OutputContext, locale: Locale, counts: [tag: string, pages: number][]): void {
  const s = STRINGS[locale];
  const home = homeOf(locale);
  const tagBase = `${home}tags/`;
  c.out.page(
    tagBase,
    layout({
      locale,
      baseUrl: c.baseUrl,
      url: tagBase,
      title: s.tags,
      description: s.tags,
      body: `<h1>${escapeHtml(s.tags)}</h1>\n<ul class="taglist">${counts
        .map(([t, n]) => `<li><a href="${tagBase}${encodeURIComponent(t)}/">${escapeHtml(t)}</a> (${n})</li>`)
        .join("")}</ul>`,
      assets: c.assets,
      nav: c.nav?.nav[locale],
      alternates: {},
      crumbs: [
        { href: home, label: s.home },
        { href: tagBase, label: s.tags },
      ],
    }),
  );
}

/** Writes one tag's pages, newest first (`list`: its pages, from `tagsOf`). */
export function writeTagPages(
  c: OutputContext,
  locale: Locale,
  t: string,
  list: PageRecord[],
  row: (p: PageRecord) => string,
): void {
  const s = STRINGS[locale];
  const home = homeOf(locale);
  const tagBase = `${home}tags/`;
  const base = `${tagBase}${encodeURIComponent(t)}/`;
  for (const pg of paginate([...list].sort(byDateDesc), base)) {
    c.out.page(
      pg.url,
      layout({
        locale,
        baseUrl: c.baseUrl,
        url: pg.url,
        title: s.tagged(t),
        description: s.tagged(t),
        body: listing(locale, s.tagged(t), pg.items, pg.prev, pg.next, row),
        assets: c.assets,
        nav: c.nav?.nav[locale],
        alternates: {},
        crumbs: [
          { href: home, label: s.home },
          { href: tagBase, label: s.tags },
          { href: base, label: t },
        ],
        noindex: Boolean(pg.prev),
      }),
    );
  }
}
