/**
 * The pages of each locale that come from no source: the search page (the box in every
 * header submits here; `search.js` fills it in) and the 404 page. Both are `noindex`.
 */
import path from "node:path";
import { escapeHtml } from "../../shared/html.ts";
import { LOCALES, type Locale, STRINGS } from "../config.ts";
import { homeOf, layout } from "../templates.ts";
import type { OutputContext } from "./output.ts";

/** Writes one locale's search page and 404 page. */
export function writeSpecialPages(c: OutputContext, locale: Locale): void {
  const s = STRINGS[locale];
  const home = homeOf(locale);
  c.out.page(
    `${home}search/`,
    layout({
      locale,
      baseUrl: c.baseUrl,
      url: `${home}search/`,
      title: s.search,
      description: s.searchPlaceholder,
      body: `<h1>${escapeHtml(s.search)}</h1>\n<form class="search-page" action="${home}search/" method="get" role="search"><input type="search" name="q" aria-label="${escapeHtml(s.search)}"> <button>${escapeHtml(s.search)}</button></form>\n<p id="search-status" aria-live="polite"></p>\n<ul id="search-results" class="listing"></ul>`,
      assets: c.assets,
      nav: c.nav?.nav[locale],
      alternates: Object.fromEntries(LOCALES.map((l) => [l, `${homeOf(l)}search/`])),
      crumbs: [],
      noindex: true,
    }),
  );
  c.out.url(
    `${home}404.html`,
    path.join(home, "404.html"),
    layout({
      locale,
      baseUrl: c.baseUrl,
      url: `${home}404.html`,
      title: s.notFoundTitle,
      description: s.notFoundTitle,
      body: `<h1>${escapeHtml(s.notFoundTitle)}</h1>\n<p>${s.notFoundBody}</p>`,
      assets: c.assets,
      nav: c.nav?.nav[locale],
      alternates: {},
      crumbs: [],
      noindex: true,
    }),
  );
}
