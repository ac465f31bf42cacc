/**
 * The site build itself (see `build.ts`, its command line and entry point, for the overview).
 * `build.ts` loads this module as one esbuild bundle (`bundle.ts`), so a build strips the
 * TypeScript of one small file instead of all of these; this module works from its source too.
 */
import { execFileSync } from "node:child_process";
import { hash } from "node:crypto";
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { escapeHtml } from "../shared/html.ts";
import type { BuildInfo, Manifest } from "../shared/site/manifest.ts";
import { bundled, codeHash, root, siteDir } from "./bundle.ts";
import { DEFAULT_LOCALE, LOCALES, type Locale, PAGE_SIZE, STRINGS, WORKER_PATHS } from "./config.ts";
import type { PageContext, PageRecord, SourceStat } from "./page.ts";
import { alternatesOf, lineOfLink } from "./paths.ts";
import type { WorkerInit, WorkerMessage, WorkerReply } from "./render-worker.ts";
import { openSpoolFile, Spool, type SpoolRange, trimmedLength } from "./spool.ts";
import { type AssetUrls, homeOf, layout, listing, listingRow } from "./templates.ts";
import { writeText } from "./write.ts";

export interface BuildOptions {
  contentDir: string;
  outDir: string;
  /** Rendering threads: the main thread plus `threads − 1` workers. Default: every core. */
  threads?: number;
  /** A worker thread is started only for this many pages or more per rendering thread (default 1,000). */
  pagesPerThread?: number;
  /** Re-render only changed sources, using the previous build's cache. */
  incremental?: boolean;
  baseUrl?: string;
  /** No progress bar or summary. */
  quiet?: boolean;
  /** Git revision recorded in the manifest; default `git rev-parse HEAD`. */
  revision?: string;
}

export interface BuildIssue {
  file: string;
  line: number;
  reason: string;
}

export interface BuildResult {
  pages: number;
  drafts: number;
  /** Pages rendered by this run (all of them unless incremental). */
  rendered: number;
  /** Threads that rendered them: the main thread and its workers. */
  threads: number;
  errors: BuildIssue[];
  warnings: BuildIssue[];
  ms: number;
  buildId: string;
  /** Milliseconds per phase: planning (list, stat, cache), rendering pages, aggregates, cache write. */
  phases: { plan: number; render: number; aggregates: number; cache: number };
}

interface CacheEntry {
  mtimeMs: number;
  size: number;
  record: PageRecord;
}

/** The previous build's page records, read only by an incremental build. */
interface Cache {
  version: 3;
  codeHash: string;
  baseUrl: string;
  entries: Record<string, CacheEntry>;
}

/** Where each page's text is in `llms-full.txt`: source file → [start, end) in bytes. */
interface LlmsIndex {
  size: number;
  ranges: Record<string, [number, number]>;
}

/**
 * What the previous build put in the output, read by every build (small: a full build that
 * overwrites in place does not parse 10,000 records just to learn which files are stale).
 */
interface Outputs {
  version: 2;
  /** Source file → its page URL. */
  pages: Record<string, string>;
  /** Files the aggregates wrote (relative to the output), so stale ones can be removed. */
  files: string[];
  llms: LlmsIndex;
}

const sha = (s: string | Buffer) => hash("sha256", s, "hex");

/** Code-unit order: deterministic, and far cheaper than `localeCompare` (ICU) in sorts of 10,000 items. */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every `.md` source under `dir`, relative, with `/` separators, sorted. One `readdir` per
 * folder with the entries' types: a recursive `readdir` that returns names stats every entry
 * to find the folders (10,000 system calls at 10,000 pages). Symbolic links to folders are
 * followed, as that one does.
 */
async function listSources(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string, prefix: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const rel = prefix + entry.name;
      // README.md files document the folder; they are not pages.
      if (entry.name.endsWith(".md") && entry.name !== "README.md") found.push(rel);
      const isDir =
        entry.isDirectory() ||
        (entry.isSymbolicLink() && (await stat(path.join(folder, entry.name)).catch(() => null))?.isDirectory());
      if (isDir) await walk(path.join(folder, entry.name), `${rel}/`);
    }
  };
  await walk(dir, "");
  return found.sort();
}

function gitRevision(): string {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "unknown";
  }
}

async function writeAssets(outDir: string): Promise<AssetUrls> {
  const dir = path.join(outDir, "assets");
  await mkdir(dir, { recursive: true });
  const out: Record<string, string> = {};
  for (const [key, name] of [
    ["css", "site.css"],
    ["js", "search.js"],
  ] as const) {
    const body = await readFile(path.join(siteDir, "assets", name));
    const [base, ext] = name.split(".");
    const fingerprinted = `${base}.${sha(body).slice(0, 10)}.${ext}`;
    await writeFile(path.join(dir, fingerprinted), body);
    out[key] = `/assets/${fingerprinted}`;
  }
  const current = new Set(Object.values(out).map((u) => path.basename(u)));
  for (const f of await readdir(dir)) if (!current.has(f)) await rm(path.join(dir, f), { force: true });
  return out as unknown as AssetUrls;
}

class Progress {
  readonly #total: number;
  readonly #enabled: boolean;
  #done = 0;
  #last = 0;
  constructor(total: number, enabled: boolean) {
    this.#total = total;
    this.#enabled = enabled && Boolean(process.stderr.isTTY) && total > 0;
  }
  tick(n: number) {
    this.#done += n;
    const now = performance.now();
    if (!this.#enabled || (now - this.#last < 80 && this.#done < this.#total)) return;
    this.#last = now;
    const width = 30;
    const filled = Math.round((this.#done / this.#total) * width);
    process.stderr.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${this.#done}/${this.#total} pages`);
  }
  end() {
    if (this.#enabled) process.stderr.write("\n");
  }
}

/** Renders `files`: in worker threads when there are enough of them to pay for the threads. */
/** Worker threads loading the renderer; they get the build's settings in their first message. */
async function startWorkers(count: number, code: string): Promise<Worker[]> {
  if (count <= 0) return [];
  const script = await bundled("render-worker", code);
  // A small young generation keeps each thread's memory near what one page needs.
  return Array.from({ length: count }, () => new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 8 } }));
}

/**
 * How many workers a build of `files` pages uses beside the main thread: as many as give each
 * rendering thread at least `perThread` pages. A worker costs its start-up (a Node environment,
 * the renderer bundle, a cold JIT: ~0.15 s of CPU) before it renders anything; at 1,000 pages
 * a second thread made the build no faster and cost 0.2 s more CPU, at 2,000 it broke even,
 * at 4,000 it saved a fifth of the time (2 cores).
 */
const workerCount = (threads: number, files: number, perThread: number) =>
  threads <= 1 ? 0 : Math.max(0, Math.min(threads - 1, Math.floor(files / perThread) - 1));
const PAGES_PER_THREAD = 1000;
const BATCH = 32;

async function renderAll(
  files: string[],
  ctx: PageContext,
  threads: number,
  perThread: number,
  progress: Progress,
  code: string,
  started: Promise<Worker[]> | null,
  /** Spool file descriptors, opened here as threads need them; the caller closes them. */
  spools: number[],
): Promise<{ records: PageRecord[]; errors: BuildIssue[]; spooled: Spooled; stats: SourceStat[]; threads: number }> {
  const records: PageRecord[] = [];
  const stats: SourceStat[] = [];
  const errors: BuildIssue[] = [];
  const spooled: Spooled = new Map();
  const addSpooled = (fd: number, ranges: SpoolRange[]) => {
    for (const [file, start, end] of ranges) spooled.set(file, [fd, start, end]);
  };
  // The main thread renders too: `threads` rendering threads are the main one and threads − 1
  // workers, which saves a worker's memory (its own heap and copy of the renderer) and leaves
  // no core idle while the main thread waits.
  let next = 0;
  const take = (n: number) => {
    const slice = files.slice(next, next + n);
    next += slice.length;
    return slice;
  };
  const pool = await (started ?? startWorkers(workerCount(threads, files.length, perThread), code));
  const init: WorkerInit = {
    contentDir: ctx.contentDir,
    outDir: ctx.outDir,
    baseUrl: ctx.baseUrl,
    assets: ctx.assets,
    files: [...ctx.files],
    fresh: ctx.fresh,
  };
  // One spool file for each rendering thread: the main thread's, then one per worker.
  const spoolFor = (thread: number) => {
    while (spools.length <= thread) spools.push(openSpoolFile(spoolPath(ctx.outDir, spools.length)));
    return spools[thread];
  };
  const running = Promise.all(
    pool.map(
      (worker, i) =>
        new Promise<void>((resolve, reject) => {
          const spool = spoolFor(i + 1);
          let inFlight = 0;
          const send = () => {
            const files = take(BATCH);
            if (files.length === 0) return;
            worker.postMessage(files satisfies WorkerMessage);
            inFlight++;
          };
          const finish = () => {
            if (inFlight === 0) void worker.terminate().then(() => resolve());
          };
          worker.on("message", (reply: WorkerReply) => {
            inFlight--;
            for (const r of reply.records) records.push(r);
            for (const e of reply.errors) errors.push(e);
            if (spool !== undefined) addSpooled(spool, reply.spooled);
            for (const st of reply.stats) stats.push(st);
            progress.tick(reply.records.length + reply.errors.length);
            send();
            finish();
          });
          worker.on("error", reject);
          // Messages queue until the worker listens: the settings, then two batches, so the
          // worker never waits for a busy main thread.
          worker.postMessage({ kind: "init", init: { ...init, spool } } satisfies WorkerMessage);
          send();
          send();
          finish();
        }),
    ),
  );
  // Awaited below; until then a failing worker must not count as an unhandled rejection.
  running.catch(() => {});
  try {
    await renderHere();
    await running;
  } catch (error) {
    await Promise.all(pool.map((w) => w.terminate()));
    throw error;
  }
  return { records, errors, spooled, stats, threads: 1 + pool.length };

  async function renderHere() {
    // Loaded here only: a build that renders nothing never loads marked, zod or the sanitizer.
    const { buildPage, ContentError } = (await import(
      (
        await bundled("page", code)
      ).href
    )) as typeof import("./page.ts");
    const fd = spoolFor(0);
    const here: PageContext = { ...ctx, spool: fd === undefined ? undefined : new Spool(fd), stats };
    // Small batches in the main thread, yielding between them so worker replies are handled.
    for (let mine = take(8); mine.length > 0; mine = take(8)) {
      for (const file of mine) {
        try {
          records.push(detach(buildPage(file, here)));
        } catch (error) {
          if (!(error instanceof ContentError)) throw error;
          errors.push({ file: error.file, line: error.line, reason: error.reason });
        }
      }
      progress.tick(mine.length);
      if (pool.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (fd !== undefined && here.spool) addSpooled(fd, here.spool.flush());
  }
}

/** Rendered pages' twins in the spools: source file → spool descriptor, start, end (bytes). */
type Spooled = Map<string, [fd: number, start: number, end: number]>;

/** A spool file's name (removed as soon as it is open), beside the output like the cache. */
const spoolPath = (outDir: string, i: number) =>
  path.join(path.dirname(outDir), `.${path.basename(outDir)}-spool-${process.pid}-${i}.tmp`);

const SEP = "\u0000";

/**
 * The record with its own copies of the strings that come from the page's source (front
 * matter values, tags, link targets), as a worker's reply would have: V8 keeps a substring as
 * a slice of the whole source, so kept records would keep every source of the site in memory.
 * One join makes one small new string and the split parts point into it — a tenth of the cost
 * of `structuredClone` on the whole record. (A NUL inside a value falls back to the clone.)
 */
function detach(r: PageRecord): PageRecord {
  const parts = [r.title, r.description, r.date ?? "", r.updated ?? "", r.slug, ...r.tags, ...r.links]
    .join(SEP)
    .split(SEP);
  const tags = r.tags.length;
  if (parts.length !== 5 + tags + r.links.length) return structuredClone(r);
  return {
    ...r,
    title: parts[0] as string,
    description: parts[1] as string,
    date: r.date === undefined ? undefined : parts[2],
    updated: r.updated === undefined ? undefined : parts[3],
    slug: parts[4] as string,
    tags: parts.slice(5, 5 + tags),
    links: parts.slice(5 + tags),
  };
}

function paginate<T>(items: T[], base: string): { url: string; items: T[]; prev?: string; next?: string }[] {
  const pages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
  const urlOf = (i: number) => (i === 0 ? base : `${base}page/${i + 1}/`);
  return Array.from({ length: pages }, (_, i) => ({
    url: urlOf(i),
    items: items.slice(i * PAGE_SIZE, (i + 1) * PAGE_SIZE),
    prev: i > 0 ? urlOf(i - 1) : undefined,
    next: i < pages - 1 ? urlOf(i + 1) : undefined,
  }));
}

const byDateDesc = (a: PageRecord, b: PageRecord) =>
  cmp(b.date ?? "", a.date ?? "") || (a.order ?? 0) - (b.order ?? 0) || cmp(a.url, b.url);

const xml = (s: string) => escapeHtml(s);

/** Writes everything that depends on more than one page. Returns the URLs it generated. */
async function writeAggregates(
  pages: PageRecord[],
  o: {
    outDir: string;
    baseUrl: string;
    assets: AssetUrls;
    revision: string;
    /** Where each page's text is in the previous `llms-full.txt` (incremental builds). */
    previousLlms?: LlmsIndex;
    /** Sources this build did not re-render (their twins are as they were). */
    unchanged?: ReadonlySet<string>;
    /** Where this build's rendered twins are in the spools (others are read from their files). */
    spooled?: Spooled;
    /** The output folder was empty when the build began (see `PageContext.fresh`). */
    fresh?: boolean;
  },
): Promise<{ generated: Set<string>; manifest: Manifest; written: string[]; llms: LlmsIndex }> {
  const { outDir, baseUrl, assets } = o;
  const generated = new Set<string>();
  const written: string[] = [];
  // Each file is written as soon as it is made, so a site's worth of listing pages is never
  // held in memory at once. Synchronous calls: thousands of small files on a local disk or a
  // tmpfs go faster this way than through the promise API's thread pool.
  const files = {
    set(file: string, body: string) {
      if (o.fresh) mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
      writeText(path.join(outDir, file), body, o.fresh);
      written.push(file.replace(/^\/+/, ""));
    },
  };
  const put = (url: string, file: string, body: string) => {
    generated.add(url);
    files.set(file, body);
  };
  const html = (url: string, body: string) => put(url, path.join(url, "index.html"), body);
  // A page's listing line, made once for its section's listing and each of its tags'.
  const rows = new Map<PageRecord, string>();
  const row = (p: PageRecord) => {
    let html = rows.get(p);
    if (html === undefined) {
      html = listingRow(p.locale, p);
      rows.set(p, html);
    }
    return html;
  };
  const pageUrls = new Set(pages.map((p) => p.url));
  const sitemapUrls: { loc: string; lastmod?: string; alternates: Partial<Record<Locale, string>> }[] = pages.map(
    (p) => ({ loc: p.url, lastmod: p.updated ?? p.date, alternates: p.alternates }),
  );

  for (const locale of LOCALES) {
    const s = STRINGS[locale];
    const home = homeOf(locale);
    const mine = pages.filter((p) => p.locale === locale);
    // Section listings, unless the section has its own index page.
    const sections = new Map<string, PageRecord[]>();
    for (const p of mine) {
      if (!p.section || p.url === `${home}${p.section}/`) continue;
      const list = sections.get(p.section) ?? [];
      list.push(p);
      sections.set(p.section, list);
    }
    for (const [section, list] of sections) {
      const base = `${home}${section}/`;
      if (pageUrls.has(base)) continue;
      list.sort(byDateDesc);
      const label = s.sections[section] ?? section;
      for (const pg of paginate(list, base)) {
        const title = pg.prev ? `${label} — ${s.page(Number(pg.url.split("/").at(-2)))}` : label;
        html(
          pg.url,
          layout({
            locale,
            baseUrl,
            url: pg.url,
            title,
            description: title,
            body: listing(locale, title, pg.items, pg.prev, pg.next, row),
            assets,
            alternates: {},
            crumbs: [
              { href: home, label: s.home },
              { href: base, label },
            ],
          }),
        );
        if (!pg.prev) sitemapUrls.push({ loc: pg.url, alternates: {} });
      }
    }
    // Tags.
    const tags = new Map<string, PageRecord[]>();
    for (const p of mine) {
      for (const t of p.tags) {
        const list = tags.get(t);
        if (list) list.push(p);
        else tags.set(t, [p]);
      }
    }
    const tagBase = `${home}tags/`;
    const tagNames = [...tags.keys()].sort();
    html(
      tagBase,
      layout({
        locale,
        baseUrl,
        url: tagBase,
        title: s.tags,
        description: s.tags,
        body: `<h1>${escapeHtml(s.tags)}</h1>\n<ul class="taglist">${tagNames
          .map(
            (t) =>
              `<li><a href="${tagBase}${encodeURIComponent(t)}/">${escapeHtml(t)}</a> (${tags.get(t)?.length})</li>`,
          )
          .join("")}</ul>`,
        assets,
        alternates: {},
        crumbs: [
          { href: home, label: s.home },
          { href: tagBase, label: s.tags },
        ],
      }),
    );
    for (const t of tagNames) {
      const list = (tags.get(t) ?? []).sort(byDateDesc);
      const base = `${tagBase}${encodeURIComponent(t)}/`;
      for (const pg of paginate(list, base)) {
        html(
          pg.url,
          layout({
            locale,
            baseUrl,
            url: pg.url,
            title: s.tagged(t),
            description: s.tagged(t),
            body: listing(locale, s.tagged(t), pg.items, pg.prev, pg.next, row),
            assets,
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
    // Search page (the box in every header submits here) and 404.
    html(
      `${home}search/`,
      layout({
        locale,
        baseUrl,
        url: `${home}search/`,
        title: s.search,
        description: s.searchPlaceholder,
        body: `<h1>${escapeHtml(s.search)}</h1>\n<form class="search-page" action="${home}search/" method="get" role="search"><input type="search" name="q" aria-label="${escapeHtml(s.search)}"> <button>${escapeHtml(s.search)}</button></form>\n<p id="search-status" aria-live="polite"></p>\n<ul id="search-results" class="listing"></ul>`,
        assets,
        alternates: Object.fromEntries(LOCALES.map((l) => [l, `${homeOf(l)}search/`])),
        crumbs: [],
        noindex: true,
      }),
    );
    put(
      `${home}404.html`,
      path.join(home, "404.html"),
      layout({
        locale,
        baseUrl,
        url: `${home}404.html`,
        title: s.notFoundTitle,
        description: s.notFoundTitle,
        body: `<h1>${escapeHtml(s.notFoundTitle)}</h1>\n<p>${s.notFoundBody}</p>`,
        assets,
        alternates: {},
        crumbs: [],
        noindex: true,
      }),
    );
    // Feeds: the latest dated pages.
    const recent = mine
      .filter((p) => p.date)
      .sort(byDateDesc)
      .slice(0, 20);
    const updated = recent[0]?.updated ?? recent[0]?.date ?? "1970-01-01";
    const abs = (u: string) => baseUrl + u;
    put(
      `${home}atom.xml`,
      path.join(home, "atom.xml"),
      `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${locale}">
<title>${xml(s.siteName)}</title>
<subtitle>${xml(s.tagline)}</subtitle>
<id>${xml(abs(home))}</id>
<link rel="alternate" href="${xml(abs(home))}"/>
<link rel="self" href="${xml(abs(`${home}atom.xml`))}"/>
<updated>${updated}T00:00:00Z</updated>
${recent
  .map(
    (p) => `<entry>
<title>${xml(p.title)}</title>
<id>${xml(abs(p.url))}</id>
<link rel="alternate" href="${xml(abs(p.url))}"/>
<updated>${p.updated ?? p.date}T00:00:00Z</updated>
<published>${p.date}T00:00:00Z</published>
<author><name>${xml(s.siteName)}</name></author>
<summary>${xml(p.description)}</summary>
${p.tags.map((t) => `<category term="${xml(t)}"/>`).join("")}
</entry>`,
  )
  .join("\n")}
</feed>
`,
    );
    put(
      `${home}rss.xml`,
      path.join(home, "rss.xml"),
      `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${xml(s.siteName)}</title>
<link>${xml(abs(home))}</link>
<description>${xml(s.tagline)}</description>
<language>${locale}</language>
<atom:link href="${xml(abs(`${home}rss.xml`))}" rel="self" type="application/rss+xml"/>
${recent
  .map(
    (p) => `<item>
<title>${xml(p.title)}</title>
<link>${xml(abs(p.url))}</link>
<guid isPermaLink="true">${xml(abs(p.url))}</guid>
<pubDate>${new Date(`${p.date}T00:00:00Z`).toUTCString()}</pubDate>
<description>${xml(p.description)}</description>
</item>`,
  )
  .join("\n")}
</channel>
</rss>
`,
    );
  }

  // Sitemap with hreflang alternates (Google's xhtml:link form).
  files.set(
    "sitemap.xml",
    `<?xml version="1.0" encoding="utf-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
${sitemapUrls
  .map(
    (u) =>
      `<url><loc>${xml(baseUrl + u.loc)}</loc>${u.lastmod ? `<lastmod>${u.lastmod}</lastmod>` : ""}${Object.entries(
        u.alternates,
      )
        .map(([l, href]) => `<xhtml:link rel="alternate" hreflang="${l}" href="${xml(baseUrl + href)}"/>`)
        .join("")}</url>`,
  )
  .join("\n")}
</urlset>
`,
  );
  generated.add("/sitemap.xml");
  files.set("robots.txt", `User-agent: *\nAllow: /\nDisallow: /v1/\n\nSitemap: ${baseUrl}/sitemap.xml\n`);
  generated.add("/robots.txt");

  // llms.txt (llmstxt.org): a title, a summary, then sections of links to the markdown twins.
  const entry = (p: PageRecord) => `- [${p.title.replace(/[[\]]/g, "")}](${baseUrl}${p.twin}): ${p.description}`;
  const en = pages.filter((p) => p.locale === DEFAULT_LOCALE);
  const groups: [string, PageRecord[]][] = [
    ["Pages", en.filter((p) => !p.section).sort((a, b) => (a.order ?? 99) - (b.order ?? 99) || cmp(a.url, b.url))],
    ...[...new Set(en.map((p) => p.section).filter((x): x is string => Boolean(x)))]
      .sort()
      .map((sec): [string, PageRecord[]] => [
        STRINGS.en.sections[sec] ?? sec,
        en.filter((p) => p.section === sec).sort(byDateDesc),
      ]),
    ...LOCALES.filter((l) => l !== DEFAULT_LOCALE).map((l): [string, PageRecord[]] => [
      `Optional: ${l === "cs" ? "Čeština (Czech)" : l}`,
      pages.filter((p) => p.locale === l).sort((a, b) => cmp(a.url, b.url)),
    ]),
  ];
  files.set(
    "llms.txt",
    `# StateX

> StateX takes a person's request (text today; voice notes and documents next) through an API, the web portal or email, runs it through an AI pipeline and delivers the result by email and other channels. This site documents the platform, how to send requests, pricing and articles; every page has a markdown twin at its URL plus \`index.md\`.

The HTTP API is described by an OpenAPI 3.1 document at ${baseUrl}/openapi.json; errors are RFC 9457 problem documents. ${baseUrl}/llms-full.txt holds every page's markdown in one file.

## API

- [OpenAPI document](${baseUrl}/openapi.json): every endpoint of the StateX API, generated from its schemas.

${groups
  .filter(([, list]) => list.length > 0)
  .map(([name, list]) => `## ${name}\n\n${list.map(entry).join("\n")}`)
  .join("\n\n")}
`,
  );
  generated.add("/llms.txt");
  generated.add("/llms-full.txt");

  // Cache policy for hosts that read `_headers` (Pages, Workers static assets): fingerprinted
  // assets are immutable; everything else revalidates with its ETag.
  files.set(
    "_headers",
    `/*
  Cache-Control: public, max-age=0, must-revalidate
  X-Content-Type-Options: nosniff
/assets/*
  ! Cache-Control
  Cache-Control: public, max-age=31536000, immutable
`,
  );

  const manifestPages = [...pages]
    .sort((a, b) => cmp(a.locale, b.locale) || cmp(a.slug, b.slug))
    .map((p) => ({
      locale: p.locale,
      slug: p.slug,
      url: p.url,
      twin: p.twin,
      section: p.section,
      title: p.title,
      description: p.description,
      date: p.date ?? null,
      tags: p.tags,
      hash: p.hash,
    }));
  const manifest: Manifest = {
    version: 1,
    buildId: sha(manifestPages.map((p) => `${p.locale} ${p.slug} ${p.url} ${p.hash}`).join("\n")).slice(0, 32),
    revision: o.revision,
    builtAt: new Date().toISOString(),
    pages: manifestPages,
  };
  files.set(path.join("_content", "manifest.json"), JSON.stringify(manifest));
  // A few bytes the Worker reads on each content request to see whether this build is ingested.
  files.set(
    path.join("_content", "build.json"),
    JSON.stringify({ buildId: manifest.buildId, revision: o.revision } satisfies BuildInfo),
  );

  // llms-full.txt: every twin, in llms.txt order, read back as bytes (no decoding) into one
  // reused buffer and written a megabyte at a time, so memory stays flat and makes no garbage.
  // An incremental build copies the unchanged pages' stretches from the previous file instead
  // (one read per run of unchanged pages, not one file per page), then renames the new file
  // over it.
  const fullPath = path.join(outDir, "llms-full.txt");
  const tmpPath = `${fullPath}.${process.pid}.tmp`;
  const ranges: Record<string, [number, number]> = {};
  const fd = openSync(tmpPath, "w");
  let old: number | null = null;
  try {
    if (o.previousLlms && existsSync(fullPath)) {
      old = openSync(fullPath, "r");
      if (fstatSync(old).size !== o.previousLlms.size) {
        closeSync(old);
        old = null;
      }
    }
    const buffer = Buffer.allocUnsafe(1 << 20);
    let used = 0;
    let position = 0;
    const flush = () => {
      for (let at = 0; at < used; ) at += writeSync(fd, buffer, at, used - at);
      used = 0;
    };
    const append = (bytes: Buffer) => {
      if (used + bytes.length > buffer.length) flush();
      if (bytes.length > buffer.length) for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
      else used += bytes.copy(buffer, used);
      position += bytes.length;
    };
    /** Reads `size` bytes of `from` at `at` into the buffer (which has room for them). */
    const readInto = (from: number, size: number, at: number | null) => {
      let got = 0;
      for (let n = 1; n > 0 && got < size; got += n)
        n = readSync(from, buffer, used + got, size - got, at === null ? got : at + got);
      return got;
    };
    let run: [number, number] | null = null;
    const copyRun = () => {
      if (!run || old === null) return;
      for (let at = run[0]; at < run[1]; ) {
        if (used === buffer.length) flush();
        const got = readInto(old, Math.min(run[1] - at, buffer.length - used), at);
        if (got === 0) throw new Error("llms-full.txt changed while it was read");
        used += got;
        position += got;
        at += got;
      }
      run = null;
    };
    for (const [, list] of groups) {
      for (const p of list) {
        const reuse = old !== null && o.unchanged?.has(p.file) ? o.previousLlms?.ranges[p.file] : undefined;
        if (reuse) {
          // Extend the pending run when this page follows it in the old file too.
          if (!run || run[1] !== reuse[0]) {
            copyRun();
            run = [reuse[0], reuse[0]];
          }
          const start = position + (run[1] - run[0]);
          run[1] = reuse[1];
          ranges[p.file] = [start, start + (reuse[1] - reuse[0])];
          continue;
        }
        copyRun();
        const start = position;
        append(Buffer.from(`<!-- ${baseUrl}${p.url} -->\n`));
        const spooled = o.spooled?.get(p.file);
        if (spooled) {
          // Already trimmed; read straight into the buffer.
          const [from, at, end] = spooled;
          const size = end - at;
          if (used + size > buffer.length) flush();
          if (size <= buffer.length) {
            if (readInto(from, size, at) !== size) throw new Error("llms-full.txt: a spool file is short");
            used += size;
            position += size;
          } else {
            const bytes = Buffer.allocUnsafe(size);
            for (let got = 0, n = 1; got < size && n > 0; got += n)
              n = readSync(from, bytes, got, size - got, at + got);
            append(bytes);
          }
          append(TWO_NEWLINES);
          ranges[p.file] = [start, position];
          continue;
        }
        const file = path.join(outDir, p.twin);
        const twin = openSync(file, "r");
        try {
          const size = fstatSync(twin).size;
          if (used + size > buffer.length) flush();
          if (size <= buffer.length) {
            const got = readInto(twin, size, null);
            const kept = trimmedLength(buffer, used, used + got) - used;
            used += kept;
            position += kept;
          } else append(trimEndBytes(readFileSync(file)));
        } finally {
          closeSync(twin);
        }
        append(TWO_NEWLINES);
        ranges[p.file] = [start, position];
      }
    }
    copyRun();
    flush();
  } catch (error) {
    closeSync(fd);
    rmSync(tmpPath, { force: true });
    throw error;
  } finally {
    if (old !== null) closeSync(old);
  }
  closeSync(fd);
  renameSync(tmpPath, fullPath);
  const llms = { size: statSync(fullPath).size, ranges };
  written.push("llms-full.txt");
  return { generated, manifest, written, llms };
}

const TWO_NEWLINES = Buffer.from("\n\n");

const trimEndBytes = (bytes: Buffer) => bytes.subarray(0, trimmedLength(bytes, 0, bytes.length));

/** Internal links that lead nowhere, with the file and line that wrote them. */
function brokenLinks(pages: PageRecord[], generated: Set<string>, contentDir: string): BuildIssue[] {
  const known = new Set<string>(generated);
  for (const p of pages) {
    known.add(p.url);
    known.add(p.twin);
  }
  const issues: BuildIssue[] = [];
  for (const p of pages) {
    for (const href of p.links) {
      if (known.has(href)) continue;
      const target = href.replace(/[?#].*$/, "");
      if (target === "" || WORKER_PATHS.some((re) => re.test(target))) continue;
      if (target.startsWith("/assets/")) continue;
      const decoded = decodeURI(target);
      if (known.has(decoded) || known.has(`${decoded}/`) || known.has(target)) continue;
      const line = lineOfLink(readFileSync(path.join(contentDir, p.file), "utf8"), href);
      issues.push({ file: p.file, line, reason: `broken internal link ${href}` });
    }
  }
  return issues;
}

/**
 * Writes the cache, the same JSON as `JSON.stringify` of the whole `Cache`, a megabyte at a
 * time: the build's peak memory is reached here, and one string of 7 MB (10,000 pages) with
 * the object it is made from would add ~20 MB to it.
 */
function writeCache(
  file: string,
  head: Omit<Cache, "entries">,
  records: PageRecord[],
  stats: ReadonlyMap<string, { mtimeMs: number; size: number }>,
): void {
  const fd = openSync(file, "w");
  try {
    let chunk = `${JSON.stringify(head).slice(0, -1)},"entries":{`;
    let first = true;
    for (const record of records) {
      const st = stats.get(record.file);
      if (!st) continue;
      const entry: CacheEntry = { mtimeMs: st.mtimeMs, size: st.size, record };
      chunk += `${first ? "" : ","}${JSON.stringify(record.file)}:${JSON.stringify(entry)}`;
      first = false;
      if (chunk.length >= 1 << 20) {
        writeAll(fd, chunk);
        chunk = "";
      }
    }
    writeAll(fd, `${chunk}}}`);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

function cachePath(outDir: string, kind: "cache" | "outputs" = "cache") {
  return path.join(path.dirname(outDir), `.${path.basename(outDir)}-${kind}.json`);
}

async function readJson<T>(file: string, version: number): Promise<T | null> {
  if (!existsSync(file)) return null;
  try {
    const loaded = JSON.parse(await readFile(file, "utf8")) as T & { version: number };
    return loaded.version === version ? loaded : null;
  } catch {
    return null;
  }
}

/** Builds the site. Never throws for content errors: they come back in `errors`. */
export async function build(options: BuildOptions, knownCode?: string): Promise<BuildResult> {
  const started = performance.now();
  const contentDir = path.resolve(options.contentDir);
  const outDir = path.resolve(options.outDir);
  const baseUrl = (options.baseUrl ?? "https://statex.example").replace(/\/$/, "");
  const threads = options.threads ?? availableParallelism();
  const sources = await listSources(contentDir);
  const fileSet = new Set(sources);
  const code = knownCode ?? (await codeHash());
  // A full build renders every page: its workers start loading the renderer now, while this
  // thread plans. (An incremental build does not know yet whether it needs any.)
  const perThread = options.pagesPerThread ?? PAGES_PER_THREAD;
  const early = options.incremental ? null : startWorkers(workerCount(threads, sources.length, perThread), code);
  let handedOver = false;
  const spools: number[] = [];
  try {
    const revision = options.revision ?? gitRevision();

    // The previous build's cache says what is in the output, so even a full build overwrites in
    // place and removes only what is stale (deleting 20,000 files first costs about a second).
    // Its page records are reused only by an incremental build of the same generator.
    const previous = existsSync(outDir) ? await readJson<Outputs>(cachePath(outDir, "outputs"), 2) : null;
    const stored = previous && options.incremental ? await readJson<Cache>(cachePath(outDir), 3) : null;
    const cache = stored?.codeHash === code && stored.baseUrl === baseUrl ? stored : null;
    if (!previous) await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    const assets = await writeAssets(outDir);

    // What changed since the cached build; without a cache every source is rendered, and the
    // rendering threads report each one's mtime and size as they read it.
    const stats = new Map<string, { mtimeMs: number; size: number }>();
    if (cache) {
      for (const f of sources) {
        const st = statSync(path.join(contentDir, f));
        stats.set(f, { mtimeMs: st.mtimeMs, size: st.size });
      }
    }
    const toRender: string[] = [];
    const kept: PageRecord[] = [];
    for (const f of sources) {
      const prev = cache?.entries[f];
      const st = stats.get(f);
      const same =
        prev &&
        st &&
        prev.mtimeMs === st.mtimeMs &&
        prev.size === st.size &&
        JSON.stringify(prev.record.alternates) === JSON.stringify(alternatesOf(f, fileSet));
      if (same) kept.push(prev.record);
      else toRender.push(f);
    }
    if (previous) {
      // Sources that disappeared take their pages with them.
      for (const [f, url] of Object.entries(previous.pages)) {
        if (fileSet.has(f)) continue;
        await rm(path.join(outDir, url, "index.html"), { force: true });
        await rm(path.join(outDir, url, "index.md"), { force: true });
      }
    }

    const tRender = performance.now();
    const progress = new Progress(toRender.length, !options.quiet);
    const ctx: PageContext = { contentDir, outDir, baseUrl, assets, files: fileSet, fresh: !previous };
    handedOver = true;
    const rendered = await renderAll(toRender, ctx, threads, perThread, progress, code, early, spools);
    const { records, errors, spooled } = rendered;
    for (const [f, mtimeMs, size] of rendered.stats) stats.set(f, { mtimeMs, size });
    progress.end();
    for (const r of records) {
      if (r.draft) {
        // A page that became a draft must not stay published from an earlier build.
        await rm(path.join(outDir, r.url, "index.html"), { force: true });
        await rm(path.join(outDir, r.url, "index.md"), { force: true });
      }
    }
    const all = [...kept, ...records].sort((a, b) => cmp(a.file, b.file));
    const published = all.filter((r) => !r.draft);

    const seen = new Map<string, string>();
    for (const p of published) {
      const key = `${p.locale}:${p.slug}`;
      const other = seen.get(key);
      if (other) errors.push({ file: p.file, line: 1, reason: `slug ${p.slug} is already used by ${other}` });
      seen.set(key, p.file);
    }
    const warnings: BuildIssue[] = [];
    for (const p of published) {
      if (p.section === "articles" && !p.date)
        warnings.push({ file: p.file, line: 1, reason: "article without a date" });
    }

    const tAggregates = performance.now();
    const { generated, manifest, written, llms } = await writeAggregates(published, {
      outDir,
      baseUrl,
      assets,
      revision,
      previousLlms: cache ? previous?.llms : undefined,
      unchanged: new Set(kept.map((r) => r.file)),
      spooled,
      fresh: !previous,
    });
    for (const fd of spools.splice(0)) closeSync(fd);
    if (previous) {
      // Listings, tags or feeds that this build no longer has (a tag nobody uses, fewer pages).
      const now = new Set(written);
      const pageFiles = new Set(published.flatMap((p) => [path.join(p.url, "index.html").slice(1), p.twin.slice(1)]));
      for (const f of previous.files)
        if (!now.has(f) && !pageFiles.has(f)) await rm(path.join(outDir, f), { force: true });
    }
    errors.push(...brokenLinks(published, generated, contentDir));

    const tCache = performance.now();
    const pages: Record<string, string> = {};
    for (const r of all) pages[r.file] = r.url;
    writeCache(cachePath(outDir), { version: 3, codeHash: code, baseUrl }, all, stats);
    await writeFile(
      cachePath(outDir, "outputs"),
      JSON.stringify({ version: 2, pages, files: written, llms } satisfies Outputs),
    );

    return {
      pages: published.length,
      drafts: all.length - published.length,
      rendered: records.length,
      threads: rendered.threads,
      errors,
      warnings,
      ms: performance.now() - started,
      buildId: manifest.buildId,
      phases: {
        plan: Math.round(tRender - started),
        render: Math.round(tAggregates - tRender),
        aggregates: Math.round(tCache - tAggregates),
        cache: Math.round(performance.now() - tCache),
      },
    };
  } catch (error) {
    // Workers started for a render that never came must not keep the process alive.
    if (!handedOver) for (const worker of (await early?.catch(() => [])) ?? []) await worker.terminate();
    throw error;
  } finally {
    for (const fd of spools) closeSync(fd);
  }
}
