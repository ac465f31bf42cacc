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

/** Writes the aggregate files into one output folder and records them. */
export class Output {
  /** URLs the outputs made (for the broken-link check). */
  readonly generated = new Set<string>();
  /** Files written, relative to the output folder, in order. */
  readonly written: string[] = [];
  readonly #dir: string;
  readonly #fresh: boolean;

  /** `fresh`: the output folder was empty when the build began (see `PageContext.fresh`). */
  constructor(dir: string, fresh = false) {
    this.#dir = dir;
    this.#fresh = fresh;
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
