/**
 * Where the outputs that depend on more than one page (listings, tags, feeds, sitemap,
 * `llms*.txt`, headers, manifest) write: each file is written through `write.ts` as soon as
 * it is made, so a site's worth of listing pages is never held in memory at once, and what was
 * written is recorded — the files, so the next build can remove stale ones, and the URLs, so
 * links to them count as working. Synchronous calls: thousands of small files on a local disk
 * or a tmpfs go faster this way than through the promise API's thread pool.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Navigation } from "../nav.ts";
import type { AssetUrls } from "../templates.ts";
import { writeText } from "../write.ts";

/** What each output is written with: where, and the build's fixed settings. */
export interface OutputContext {
  out: Output;
  baseUrl: string;
  assets: AssetUrls;
  /** The navigation and section labels (`nav.ts`). */
  nav?: Navigation;
}

/**
 * What one scope of the aggregates (a section's listing, a tag's pages, a locale's feeds, …)
 * wrote: the key of what it was made from, its files and URLs, and what it returned. Kept in
 * the outputs file, so the next incremental build skips a scope whose key is the same.
 */
export interface ScopeRecord {
  key: string;
  files: string[];
  urls: string[];
  result?: unknown;
}

/** Writes the aggregate files into one output folder and records them. */
export class Output {
  /** URLs the outputs made (for the broken-link check). */
  readonly generated = new Set<string>();
  /** Files written, relative to the output folder, in order. */
  readonly written: string[] = [];
  /** This build's scopes, for the next one. */
  readonly scopes: Record<string, ScopeRecord> = {};
  readonly #dir: string;
  readonly #fresh: boolean;
  readonly #reusable: Readonly<Record<string, ScopeRecord>> | undefined;
  #urls: string[] | null = null;

  /**
   * `fresh`: the output folder was empty when the build began (see `PageContext.fresh`).
   * `reusable`: the scopes of the previous build whose files are in the folder as it wrote
   * them (an incremental build; a full build passes none and writes every scope).
   */
  constructor(dir: string, fresh = false, reusable?: Readonly<Record<string, ScopeRecord>>) {
    this.#dir = dir;
    this.#fresh = fresh;
    this.#reusable = reusable;
  }

  /**
   * Runs `make`, which writes one scope's files, unless the previous build wrote this scope
   * from the same `key` (a digest of everything `make` reads): then its files are where it
   * left them, and only recorded again. The output is the same either way; the incremental
   * build test holds a rebuilt folder against a full build of the same sources.
   */
  scope<T>(name: string, key: string, make: () => T): T {
    const previous = this.#reusable?.[name];
    if (previous?.key === key) {
      for (const f of previous.files) this.written.push(f);
      for (const u of previous.urls) this.generated.add(u);
      this.scopes[name] = previous;
      return previous.result as T;
    }
    const from = this.written.length;
    const urls: string[] = [];
    this.#urls = urls;
    try {
      const result = make();
      this.scopes[name] = { key, files: this.written.slice(from), urls, ...(result === undefined ? {} : { result }) };
      return result;
    } finally {
      this.#urls = null;
    }
  }

  /** The output folder. */
  get dir(): string {
    return this.#dir;
  }

  /** Writes `file` (relative to the output folder) with `body`. */
  file(file: string, body: string): void {
    if (this.#fresh) mkdirSync(path.dirname(path.join(this.#dir, file)), { recursive: true });
    writeText(path.join(this.#dir, file), body, this.#fresh);
    this.recordFile(file);
  }

  /** Writes the file that serves `url` and records the URL. */
  url(url: string, file: string, body: string): void {
    this.generated.add(url);
    this.#urls?.push(url);
    this.file(file, body);
  }

  /** Writes an HTML page at `url` (`<url>index.html`). */
  page(url: string, body: string): void {
    this.url(url, path.join(url, "index.html"), body);
  }

  /** Records a file written by other means (`llms-full.txt`). */
  recordFile(file: string): void {
    this.written.push(file.replace(/^\/+/, ""));
  }
}
