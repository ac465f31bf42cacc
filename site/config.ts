/**
 * Site-wide settings: locales, navigation, section names. Pages depend only on themselves and
 * on this file, which is what lets an incremental build re-render one page alone.
 */
export const LOCALES = ["en", "cs"] as const;
export type Locale = (typeof LOCALES)[number];

/** The default locale lives at `/`; the others under `/<locale>/` (and `content/<locale>/`). */
export const DEFAULT_LOCALE: Locale = "en";

export interface LocaleStrings {
  siteName: string;
  tagline: string;
  home: string;
  tags: string;
  tagged: (tag: string) => string;
  search: string;
  searchPlaceholder: string;
  notFoundTitle: string;
  notFoundBody: string;
  page: (n: number) => string;
  newer: string;
  older: string;
  sections: Record<string, string>;
  nav: { href: string; label: string }[];
  ogLocale: string;
}

export const STRINGS: Record<Locale, LocaleStrings> = {
  en: {
    siteName: "StateX",
    tagline: "Send a request, get the result where you are.",
    home: "Home",
    tags: "Tags",
    tagged: (tag) => `Pages tagged “${tag}”`,
    search: "Search",
    searchPlaceholder: "Search the site",
    notFoundTitle: "Page not found",
    notFoundBody: 'There is no page here. Go to the <a href="/">home page</a> or search the site.',
    page: (n) => `Page ${n}`,
    newer: "Newer",
    older: "Older",
    sections: { articles: "Articles", problems: "Problem types" },
    nav: [
      { href: "/about/", label: "Platform" },
      { href: "/submit/", label: "Send a request" },
      { href: "/pricing/", label: "Pricing & FAQ" },
      { href: "/articles/", label: "Articles" },
      { href: "/docs", label: "API" },
    ],
    ogLocale: "en_US",
  },
  cs: {
    siteName: "StateX",
    tagline: "Pošlete požadavek, výsledek dostanete tam, kde jste.",
    home: "Úvod",
    tags: "Štítky",
    tagged: (tag) => `Stránky se štítkem „${tag}“`,
    search: "Hledat",
    searchPlaceholder: "Hledat na webu",
    notFoundTitle: "Stránka nenalezena",
    notFoundBody: 'Tato stránka neexistuje. Přejděte na <a href="/cs/">úvodní stránku</a> nebo použijte hledání.',
    page: (n) => `Strana ${n}`,
    newer: "Novější",
    older: "Starší",
    sections: { articles: "Články", problems: "Typy chyb" },
    nav: [
      { href: "/cs/about/", label: "Platforma" },
      { href: "/cs/submit/", label: "Jak poslat požadavek" },
      { href: "/cs/pricing/", label: "Ceník a FAQ" },
      { href: "/cs/articles/", label: "Články" },
      { href: "/docs", label: "API" },
    ],
    ogLocale: "cs_CZ",
  },
};

/** Pages per listing page (section and tag listings). */
export const PAGE_SIZE = 50;

/** Paths served by the Worker rather than the site: links to them are not "broken". */
export const WORKER_PATHS = [
  /^\/v1\//,
  /^\/openapi\.json$/,
  /^\/docs$/,
  /^\/healthz$/,
  // The portal (sign-up, sign-in, the app) and e-mail links (verification, unsubscribe).
  /^\/auth(\/|$)/,
  /^\/app(\/|$)/,
  /^\/email(\/|$)/,
];

export interface SiteOptions {
  /** Absolute origin used in canonical links, sitemap and feeds. */
  baseUrl: string;
  title: string;
}
