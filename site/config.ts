/**
 * Site-wide settings: locales, strings per language, fallback section names. The navigation
 * comes from the content (`nav.ts`): pages depend on themselves, on this file and on it, and
 * an incremental build re-renders every page when it changes.
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
  /** Section labels for folders without an `index.md` to take a title from. */
  sections: Record<string, string>;
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
    sections: { articles: "Articles" },
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
    sections: { articles: "Články" },
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
