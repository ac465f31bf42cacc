/**
 * The site build: `content/**\/*.md` → `dist/site/`, served by the Worker as static assets (and
 * publishable as it is with `wrangler pages deploy dist/site`).
 *
 *   node site/build.ts [--content DIR] [--out DIR] [--threads N] [--incremental] [--watch]
 *                      [--base-url URL] [--strict] [--quiet]
 *
 * Broken internal links are warnings, listed at the end; `--strict` (what `npm run site:build`
 * uses, so the project's own content stays clean) makes them errors.
 *
 * Pages render in the main thread and in worker threads (one per further core, when there are
 * at least 1,000 pages for each thread); each reads, parses, renders and writes its pages and
 * keeps a small record; the main thread then writes what needs every page: listings, tags,
 * sitemap, feeds, `llms.txt`, `llms-full.txt` and the manifest the Worker ingests into D1.
 * The build itself is `builder.ts`, loaded as a bundle (`bundle.ts`).
 * `--incremental` (what `--watch` uses) re-renders only sources whose size or mtime changed,
 * reusing the records of the previous build from its cache file.
 */
import { watch } from "node:fs";
import module from "node:module";
import path from "node:path";
import type * as Builder from "./builder.ts";
import type { BuildOptions, BuildResult, Session } from "./builder.ts";
import { bundled, codeHash, root, siteDir } from "./bundle.ts";

export type { BuildOptions, BuildResult, Session } from "./builder.ts";

let loaded: Promise<typeof Builder> | undefined;

/**
 * Builds the site. Never throws for content errors: they come back in `errors`. The build's
 * code is loaded as a bundle once per process (see `bundle.ts`); the code hash is taken on
 * every build, since a changed asset must still invalidate every page (`--watch`), unless a
 * `session` says that only content files changed since its last build.
 */
export async function build(options: BuildOptions, session?: Session & { code?: string }): Promise<BuildResult> {
  const code = session?.changed && session.code ? session.code : await codeHash();
  if (session) session.code = code;
  loaded ??= bundled("builder", code).then((url) => import(url.href) as Promise<typeof Builder>);
  return (await loaded).build(options, code, session);
}

function report(result: BuildResult, outDir: string, timings: boolean): void {
  for (const e of result.errors) console.error(`error: ${e.file}:${e.line}: ${e.reason}`);
  for (const w of result.warnings) console.warn(`warning: ${w.file}:${w.line}: ${w.reason}`);
  const seconds = result.ms / 1000;
  console.log(
    `${timings ? `site: phases ${JSON.stringify(result.phases)}\n` : ""}site: ${result.pages} pages (${result.rendered} rendered, ${result.drafts} drafts skipped) → ${path.relative(process.cwd(), outDir) || "."}/ in ${seconds.toFixed(2)} s (${Math.round(result.rendered / seconds)} pages/s), ${result.errors.length} errors, ${result.warnings.length} warnings`,
  );
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : argv[i + 1];
}

async function main(argv: string[]): Promise<void> {
  // V8's code cache for the bundles (and the worker threads', which inherit it): ~20 ms of
  // compiling each run, next to the bundles themselves.
  module.enableCompileCache?.(path.join(root, "node_modules", ".cache", "statex-site", "v8"));
  const contentDir = path.resolve(arg(argv, "--content") ?? path.join(root, "content"));
  const outDir = path.resolve(arg(argv, "--out") ?? path.join(root, "dist", "site"));
  const options: BuildOptions = {
    contentDir,
    outDir,
    threads: arg(argv, "--threads") ? Number(arg(argv, "--threads")) : undefined,
    incremental: argv.includes("--incremental") || argv.includes("--watch"),
    baseUrl: arg(argv, "--base-url") ?? process.env.SITE_BASE_URL,
    quiet: argv.includes("--quiet"),
    strict: argv.includes("--strict"),
  };
  // What changed since the last build, from the watchers: content files, or null (unknown:
  // an asset, a platform page, a folder, or an event without a file name).
  const session: Session & { code?: string } = {};
  let pending: Set<string> | null = new Set();
  const once = async () => {
    session.changed = pending;
    pending = new Set();
    const result = await build(options, session);
    if (!options.quiet || result.errors.length || result.warnings.length)
      report(result, outDir, argv.includes("--timings"));
    return result;
  };
  const first = await once();
  if (!argv.includes("--watch")) {
    if (first.errors.length) process.exitCode = 1;
    return;
  }
  // Watch: coalesce bursts of events (editors write several times) into one rebuild.
  console.log(`site: watching ${path.relative(process.cwd(), contentDir) || "."}/ for changes`);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const schedule = (file?: string | null) => {
    if (file && pending) pending.add(file.split(path.sep).join("/"));
    else pending = null;
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(once).catch((error: unknown) => console.error("site: rebuild failed", error));
    }, 60);
  };
  watch(contentDir, { recursive: true }, (_event, file) => schedule(file));
  watch(path.join(siteDir, "assets"), () => schedule());
  watch(path.join(siteDir, "platform"), { recursive: true }, () => schedule());
}

if (import.meta.main) await main(process.argv.slice(2));
