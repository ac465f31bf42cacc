/**
 * HTML templates as plain functions over strings: no template engine to load or to learn, and
 * the fastest thing that can produce a page. Everything interpolated is escaped here unless it
 * is HTML the renderer produced.
 */

import { escapeHtml } from "../shared/html.ts";
import { DEFAULT_LOCALE, type Locale, STRINGS } from "./config.ts";

/** Fingerprinted asset URLs, fixed for one build. */
export interface AssetUrls {
  css: string;
  js: string;
}

export interface Crumb {
  href: string;
  label: string;
}

export interface LayoutInput {
  locale: Locale;
  baseUrl: string;
  url: string;
  title: string;
  description: string;
  body: string;
  assets: AssetUrls;
  /** Other language versions of this page, by locale. */
  alternates: Partial<Record<Locale, string>>;
  crumbs: Crumb[];
  ogType?: "website" | "article";
  jsonLd?: unknown[];
  /** The markdown twin of this page, when it has one. */
  twin?: string;
  noindex?: boolean;
  /** The main navigation (`nav.ts`); without it, only the API link. */
  nav?: readonly NavItem[];
}

/** An item of the main navigation. */
export interface NavItem {
  href: string;
  label: string;
}

const apiOnly: readonly NavItem[] = [{ href: "/docs", label: "API" }];
const navParts = new WeakMap<readonly NavItem[], { href: string; plain: string; current: string }[]>();

/** The navigation's links, plain and current, made once per navigation. */
function navOf(items: readonly NavItem[]) {
  let parts = navParts.get(items);
  if (!parts) {
    parts = items.map((n) => ({
      href: n.href,
      plain: `<a href="${escapeHtml(n.href)}">${escapeHtml(n.label)}</a>`,
      current: `<a href="${escapeHtml(n.href)}" aria-current="page">${escapeHtml(n.label)}</a>`,
    }));
    navParts.set(items, parts);
  }
  return parts;
}

/** Home URL of a locale. */
export const homeOf = (locale: Locale) => (locale === DEFAULT_LOCALE ? "/" : `/${locale}/`);

/** `</script>` must not end a JSON-LD block early. */
const jsonForScript = (value: unknown) => {
  const json = JSON.stringify(value);
  return json.includes("<") ? json.replace(/</g, "\\u003c") : json;
};

/** The parts of the layout that depend only on the locale and the build's assets. */
interface Fixed {
  siteName: string;
  feedAndStyle: string;
  siteMeta: string;
  headerStart: string;
  headerEnd: string;
  footer: string;
}

const fixedParts = new Map<string, Fixed>();

/** Made once per locale and set of assets: every page of a build shares them. */
function fixedOf(locale: Locale, assets: AssetUrls): Fixed {
  const key = `${locale}\u0000${assets.css}\u0000${assets.js}`;
  let f = fixedParts.get(key);
  if (f) return f;
  const s = STRINGS[locale];
  const home = homeOf(locale);
  const siteName = escapeHtml(s.siteName);
  f = {
    siteName,
    feedAndStyle: `<link rel="alternate" type="application/atom+xml" href="${home}atom.xml" title="${siteName}">
<link rel="stylesheet" href="${assets.css}">
`,
    siteMeta: `<meta property="og:site_name" content="${siteName}">
<meta property="og:locale" content="${s.ogLocale}">
`,
    headerStart: `</head>
<body>
<header class="site">
<a class="brand" href="${home}">${siteName}</a>
<nav class="main">`,
    headerEnd: `</nav>
<form class="search" action="${home}search/" method="get" role="search">
<input type="search" name="q" placeholder="${escapeHtml(s.searchPlaceholder)}" aria-label="${escapeHtml(s.search)}">
</form>
<span class="langs">`,
    footer: `<footer class="site">${siteName} &#183; ${escapeHtml(s.tagline)} &#183; <a href="/docs">API</a> &#183; <a href="/llms.txt">llms.txt</a> &#183; <a href="${home}atom.xml">Atom</a> &#183; <a href="${home}tags/">${escapeHtml(s.tags)}</a></footer>
<script src="${assets.js}" defer></script>
</body>
</html>
`,
  };
  fixedParts.set(key, f);
  return f;
}

export function layout(p: LayoutInput): string {
  const fixed = fixedOf(p.locale, p.assets);
  const abs = (u: string) => p.baseUrl + u;
  const alternates = Object.entries(p.alternates)
    .map(([l, u]) => `<link rel="alternate" hreflang="${l}" href="${escapeHtml(abs(u))}">`)
    .join("\n");
  const xDefault = p.alternates[DEFAULT_LOCALE]
    ? `\n<link rel="alternate" hreflang="x-default" href="${escapeHtml(abs(p.alternates[DEFAULT_LOCALE]))}">`
    : "";
  const ogAlternates = Object.keys(p.alternates)
    .filter((l) => l !== p.locale)
    .map((l) => `<meta property="og:locale:alternate" content="${STRINGS[l as Locale].ogLocale}">`)
    .join("\n");
  let nav = "";
  for (const n of navOf(p.nav ?? apiOnly)) nav += p.url.startsWith(n.href) ? n.current : n.plain;
  const otherLocales = Object.entries(p.alternates)
    .filter(([l]) => l !== p.locale)
    .map(([l, u]) => `<a href="${escapeHtml(u)}" hreflang="${l}" lang="${l}">${l.toUpperCase()}</a>`)
    .join(" ");
  const crumbs =
    p.crumbs.length > 1
      ? `<nav class="crumbs" aria-label="Breadcrumb"><ol>${p.crumbs
          .map((c, i) =>
            i === p.crumbs.length - 1
              ? `<li aria-current="page">${escapeHtml(c.label)}</li>`
              : `<li><a href="${escapeHtml(c.href)}">${escapeHtml(c.label)}</a></li>`,
          )
          .join("")}</ol></nav>`
      : "";
  const breadcrumbLd =
    p.crumbs.length > 1
      ? [
          {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            itemListElement: p.crumbs.map((c, i) => ({
              "@type": "ListItem",
              position: i + 1,
              name: c.label,
              item: abs(c.href),
            })),
          },
        ]
      : [];
  const ld = [...(p.jsonLd ?? []), ...breadcrumbLd]
    .map((x) => `<script type="application/ld+json">${jsonForScript(x)}</script>`)
    .join("\n");
  // Written as character references, so the template stays ASCII: an English page's HTML is
  // then a one-byte string in V8 (half the memory, and written out without re-encoding).
  const title = p.url === homeOf(p.locale) ? escapeHtml(p.title) : `${escapeHtml(p.title)} &#8212; ${fixed.siteName}`;
  const ogTitle = escapeHtml(p.title);
  const description = escapeHtml(p.description);
  const canonical = escapeHtml(abs(p.url));
  return `<!doctype html>
<html lang="${p.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${description}">
${p.noindex ? '<meta name="robots" content="noindex">\n' : ""}<link rel="canonical" href="${canonical}">
${alternates}${xDefault}
${p.twin ? `<link rel="alternate" type="text/markdown" href="${escapeHtml(p.twin)}">\n` : ""}${fixed.feedAndStyle}<meta property="og:type" content="${p.ogType ?? "website"}">
<meta property="og:title" content="${ogTitle}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${canonical}">
${fixed.siteMeta}${ogAlternates}
${ld}
${fixed.headerStart}${nav}${fixed.headerEnd}${otherLocales}</span>
</header>
<main>
${crumbs}
${p.body}
</main>
${fixed.footer}`;
}

/** A dated line of a listing. */
export interface ListItem {
  url: string;
  title: string;
  description: string;
  date?: string;
  tags: string[];
}

/** One line of a listing: a page appears in several (its section's and each of its tags'). */
export function listingRow(locale: Locale, i: ListItem): string {
  const tagBase = `${homeOf(locale)}tags/`;
  return `<li><a href="${escapeHtml(i.url)}">${escapeHtml(i.title)}</a>${i.date ? ` <time datetime="${i.date}">${i.date}</time>` : ""}<p>${escapeHtml(i.description)}</p>${
    i.tags.length
      ? `<p class="tags">${i.tags.map((t) => `<a href="${tagBase}${encodeURIComponent(t)}/">${escapeHtml(t)}</a>`).join(" ")}</p>`
      : ""
  }</li>`;
}

/** A listing's body; `row` renders each line (`listingRow`, or a cache of its results). */
export function listing<T extends ListItem>(
  locale: Locale,
  heading: string,
  items: T[],
  prev?: string,
  next?: string,
  row: (item: T) => string = (i) => listingRow(locale, i),
): string {
  const s = STRINGS[locale];
  const rows = items.map(row).join("\n");
  const pager =
    prev || next
      ? `<nav class="pager">${prev ? `<a rel="prev" href="${prev}">&#8592; ${escapeHtml(s.newer)}</a>` : ""}${next ? `<a rel="next" href="${next}">${escapeHtml(s.older)} &#8594;</a>` : ""}</nav>`
      : "";
  return `<h1>${escapeHtml(heading)}</h1>\n<ul class="listing">\n${rows}\n</ul>\n${pager}`;
}
