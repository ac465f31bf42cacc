/**
 * The navigation and section labels, from the content rather than hard-coded: per locale, the
 * top-level pages and folders (a folder is labelled by its `index.md`'s title), ordered by
 * front-matter `order` where given, then by title; at most `NAV_ITEMS` of them, then the API.
 * Read in the main thread before rendering, from the first 64 KB of at most `MAX_CANDIDATES`
 * top-level files per locale, so a content folder of any size costs the same here.
 */
import { closeSync, openSync, readSync } from "node:fs";
import path from "node:path";
import { DEFAULT_LOCALE, LOCALES, type Locale, STRINGS } from "./config.ts";
import { derivedMeta, humanise } from "./derive.ts";
import { parseFrontMatter } from "./frontmatter.ts";
import { splitLocale } from "./paths.ts";
import { homeOf, type NavItem } from "./templates.ts";

/** Per locale: the main navigation, and the label of each section (top-level folder). */
export interface Navigation {
  nav: Record<Locale, NavItem[]>;
  sections: Record<Locale, Record<string, string>>;
}

/** Derived items in the main navigation (the API link follows them). */
export const NAV_ITEMS = 6;
/** Top-level files (pages and folder index pages) read per locale at most. */
const MAX_CANDIDATES = 200;
const HEAD_BYTES = 64 * 1024;

interface Head {
  title: string;
  order?: number;
  draft: boolean;
}

/** Title, order and draft flag of a source, from its first 64 KB; null when it cannot be read. */
let buf: Buffer | undefined;

function head(file: string, root: string, locale: Locale): Head | null {
  buf ??= Buffer.allocUnsafe(HEAD_BYTES);
  let n = 0;
  try {
    const fd = openSync(path.join(root, file), "r");
    try {
      n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    } finally {
      closeSync(fd);
    }
    const parsed = parseFrontMatter(buf.subarray(0, n).toString("utf8"), file);
    const meta = parsed.meta ?? derivedMeta(parsed.body, splitLocale(file).key, STRINGS[locale].siteName).meta;
    return { title: meta.title, order: meta.order, draft: meta.draft };
  } catch {
    return null;
  }
}

const byOrderThenTitle = (a: Head & NavItem, b: Head & NavItem) =>
  (a.order ?? Number.POSITIVE_INFINITY) - (b.order ?? Number.POSITIVE_INFINITY) ||
  (a.title < b.title ? -1 : a.title > b.title ? 1 : 0);

/**
 * The navigation of a build's sources (`rootOf`: the folder a source is read from). The
 * platform's own pages (`skip`) are not in it.
 */
export function navigation(
  sources: string[],
  rootOf: (file: string) => string,
  skip: ReadonlySet<string> = new Set(),
): Navigation {
  const files = new Set(sources);
  const nav = {} as Navigation["nav"];
  const sections = {} as Navigation["sections"];
  for (const locale of LOCALES) {
    const prefix = locale === DEFAULT_LOCALE ? "" : `${locale}/`;
    const home = homeOf(locale);
    const s = STRINGS[locale];
    const pages: string[] = [];
    const folders = new Set<string>();
    for (const f of sources) {
      if (splitLocale(f).locale !== locale) continue;
      const key = f.slice(prefix.length);
      const slash = key.indexOf("/");
      if (slash === -1) {
        if (key !== "index.md" && !skip.has(f)) pages.push(f);
      } else folders.add(key.slice(0, slash));
    }
    const items: (Head & NavItem)[] = [];
    const labels: Record<string, string> = {};
    let budget = MAX_CANDIDATES;
    for (const folder of [...folders].sort()) {
      const index = `${prefix}${folder}/index.md`;
      const h = files.has(index) && budget-- > 0 ? head(index, rootOf(index), locale) : null;
      const label = h?.title ?? s.sections[folder] ?? humanise(`${folder}/index.md`);
      labels[folder] = label;
      if (!skip.has(index) && !h?.draft)
        items.push({ href: `${home}${folder}/`, label, title: label, order: h?.order, draft: false });
    }
    for (const f of pages) {
      if (budget-- <= 0) break;
      const h = head(f, rootOf(f), locale);
      if (h && !h.draft) items.push({ href: `${home}${f.slice(prefix.length, -3)}/`, label: h.title, ...h });
    }
    items.sort(byOrderThenTitle);
    nav[locale] = [
      ...items.slice(0, NAV_ITEMS).map(({ href, label }) => ({ href, label })),
      { href: "/docs", label: "API" },
    ];
    sections[locale] = labels;
  }
  return { nav, sections };
}
