/**
 * One content page, from source file to written HTML and markdown twin. Runs in worker threads
 * (and in the main thread when the build is single-threaded): it needs only the file, the list
 * of all source files (for hreflang) and the build's fixed settings.
 */
import { isUtf8 } from "node:buffer";
import { hash as digest } from "node:crypto";
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from "node:fs";
import path from "node:path";
import { renderPage } from "../shared/markdown.ts";
import { type Locale, STRINGS } from "./config.ts";
import { derivedMeta } from "./derive.ts";
import { ContentError, parseFrontMatter } from "./frontmatter.ts";
import type { Navigation } from "./nav.ts";
import { alternatesOf, slugOf, splitLocale, urlOf } from "./paths.ts";
import type { Spool } from "./spool.ts";
import { type AssetUrls, type Crumb, homeOf, layout } from "./templates.ts";
import { writeBytes, writeText } from "./write.ts";

export { ContentError };

/** Settings shared by every page of one build. */
export interface PageContext {
  /** Absolute and resolved (`path.resolve`), as are `outDir`. */
  contentDir: string;
  outDir: string;
  baseUrl: string;
  assets: AssetUrls;
  /** Every source file, relative to `contentDir`, with `/` separators. */
  files: ReadonlySet<string>;
  /** This thread's copy of the twins, for `llms-full.txt` (the twin files are written either way). */
  spool?: Spool;
  /** The navigation and section labels (`nav.ts`). */
  nav?: Navigation;
  /** Sources read from `platformDir` (the platform's own pages, `platform.ts`) instead of `contentDir`. */
  platform?: ReadonlySet<string>;
  platformDir?: string;
  /** Source file → `YYYY-MM-DD` of its last git commit (`git-dates.ts`), for pages without front matter. */
  dates?: Readonly<Record<string, string>>;
  /** Receives each source's mtime and size, as read (for the build's cache). */
  stats?: SourceStat[];
  /**
   * The output folder was empty when the build began: each page's folder is made before its
   * first write, instead of when a write fails (a failed open throws, and a thrown error with
   * its stack costs more than the `mkdir`).
   */
  fresh?: boolean;
}

/** A source file's modification time and size when it was read: file, mtimeMs, size. */
export type SourceStat = [file: string, mtimeMs: number, size: number];

let scratch = Buffer.allocUnsafe(1 << 16);

/**
 * Reads a source: its text, the sha256 of its bytes, and its mtime and size from the open
 * file (so a full build needs no separate `stat` of each source by name). The bytes are read
 * into one reused buffer; a file that is not valid UTF-8 is hashed as its decoded text, as it
 * always was (the two agree on valid UTF-8).
 */
function readSource(file: string): { source: string; hash: string; mtimeMs: number; size: number } {
  const fd = openSync(file, "r");
  try {
    const { mtimeMs, size } = fstatSync(fd);
    if (size > scratch.length) scratch = Buffer.allocUnsafe(size);
    let n = 0;
    for (let got = 1; got > 0 && n < size; n += got) got = readSync(fd, scratch, n, size - n, null);
    const bytes = scratch.subarray(0, n);
    const source = bytes.toString("utf8");
    return { source, hash: digest("sha256", isUtf8(bytes) ? bytes : source, "hex"), mtimeMs, size };
  } finally {
    closeSync(fd);
  }
}

/** What the build keeps about a page after rendering it (small: no HTML, no markdown). */
export interface PageRecord {
  file: string;
  locale: Locale;
  /**
   * Per-locale id used by the content API: the path under the locale's folder without `.md`
   * (`services/web-development`), a folder's `index.md` its folder, `home` for a locale's home.
   */
  slug: string;
  url: string;
  twin: string;
  section: string | null;
  title: string;
  description: string;
  date?: string;
  updated?: string;
  tags: string[];
  order?: number;
  draft: boolean;
  /** sha256 of the source file. */
  hash: string;
  /** Internal links as written (their lines are found only if one turns out broken). */
  links: string[];
  alternates: Partial<Record<Locale, string>>;
}

/**
 * `path.join(dir, relative)` for the build's own paths, without its normalizing pass (four a
 * page): `dir` is absolute and resolved (`path.resolve`), and `relative` — a listed source
 * file, or a page URL without its leading `/` — has no `.`, `..` or empty parts.
 */
const under = (dir: string, relative: string) =>
  dir.endsWith(path.sep) ? dir + relative : `${dir}${path.sep}${relative}`;

const isInternal = (href: string) => href.startsWith("/") && !href.startsWith("//");

/** Renders one source file, writes its HTML and twin (unless a draft), and describes it. */
export function buildPage(file: string, c: PageContext): PageRecord {
  const { source, hash, mtimeMs, size } = readSource(
    under(c.platformDir && c.platform?.has(file) ? c.platformDir : c.contentDir, file),
  );
  c.stats?.push([file, mtimeMs, size]);
  const parsed = parseFrontMatter(source, file);
  const { locale, key } = splitLocale(file);
  // A plain markdown page: title and description from its text, dated by git or its mtime.
  let body = parsed.body;
  let meta = parsed.meta;
  if (!meta) {
    const updated = c.dates?.[file] ?? new Date(mtimeMs).toISOString().slice(0, 10);
    const derived = derivedMeta(body, key, STRINGS[locale].siteName, updated);
    meta = derived.meta;
    if (!derived.heading) body = `# ${meta.title.replace(/^([#>*+-]|\d+[.)])/, "\\$1")}\n\n${body}`;
  }
  if (meta.locale && meta.locale !== locale) {
    throw new ContentError(file, 1, `locale ${meta.locale} does not match the folder (${locale})`);
  }
  const url = urlOf(file);
  const segments = key.replace(/\.md$/, "").split("/");
  const section = segments.length > 1 && segments[0] ? segments[0] : null;
  const slug = meta.slug ?? slugOf(key);
  const rendered = renderPage(body);
  const alternates = alternatesOf(file, c.files);
  const twin = `${url}index.md`;
  const record: PageRecord = {
    file,
    locale,
    slug,
    url,
    twin,
    section,
    title: meta.title,
    description: meta.description,
    date: meta.date,
    updated: meta.updated,
    tags: meta.tags,
    order: meta.order,
    draft: meta.draft,
    hash,
    links: rendered.links.filter(isInternal),
    alternates,
  };
  if (meta.draft) return record;

  const s = STRINGS[locale];
  const crumbs: Crumb[] = [{ href: homeOf(locale), label: s.home }];
  if (section)
    crumbs.push({
      href: `${homeOf(locale)}${section}/`,
      label: c.nav?.sections[locale][section] ?? s.sections[section] ?? section,
    });
  if (url !== homeOf(locale) && url !== crumbs.at(-1)?.href) crumbs.push({ href: url, label: meta.title });
  const tags = meta.tags.length
    ? `<p class="tags">${meta.tags.map((t) => `<a href="${homeOf(locale)}tags/${encodeURIComponent(t)}/">${t}</a>`).join(" ")}</p>`
    : "";
  const dated = meta.date ? `<p class="meta"><time datetime="${meta.date}">${meta.date}</time></p>` : "";
  const article = Boolean(meta.date);
  const html = layout({
    locale,
    baseUrl: c.baseUrl,
    url,
    title: meta.title,
    description: meta.description,
    body: `<article>\n${dated}${rendered.html}${tags}</article>`,
    assets: c.assets,
    alternates,
    crumbs,
    twin,
    nav: c.nav?.nav[locale],
    ogType: article ? "article" : "website",
    jsonLd: [
      {
        "@context": "https://schema.org",
        "@type": article ? "Article" : "WebPage",
        headline: meta.title,
        description: meta.description,
        inLanguage: locale,
        url: c.baseUrl + url,
        ...(meta.date ? { datePublished: meta.date, dateModified: meta.updated ?? meta.date } : {}),
        ...(meta.tags.length ? { keywords: meta.tags.join(", ") } : {}),
      },
    ],
  });
  // A fresh output gets the page's folder first; a rebuild in place makes it only when a write
  // finds it missing.
  const dir = under(c.outDir, url.slice(1));
  if (c.fresh) mkdirSync(dir, { recursive: true });
  writeText(`${dir}index.html`, html, c.fresh);
  // The twin carries the title and description, so an agent reading it alone has the context.
  const twinText = `# ${meta.title}\n\n> ${meta.description}\n\n${stripLeadingH1(body)}`;
  if (c.spool) writeBytes(`${dir}index.md`, c.spool.add(file, twinText), c.fresh);
  else writeText(`${dir}index.md`, twinText, c.fresh);
  return record;
}

/** The body without its own leading `# Title` (the twin writes the title itself). */
function stripLeadingH1(body: string): string {
  const trimmed = body.trimStart();
  return trimmed.startsWith("# ") ? trimmed.slice(trimmed.indexOf("\n") + 1).trimStart() : trimmed;
}
