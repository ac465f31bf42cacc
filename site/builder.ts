/**
 * The site build itself (see `build.ts`, its command line and entry point, for the overview):
 * plan (`plan.ts`, `cache.ts`), render (`render.ts`), write the aggregates (`aggregates.ts`),
 * check (`checks.ts`) and leave the cache for the next build. `build.ts` loads this module as
 * one esbuild bundle (`bundle.ts`), so a build strips the TypeScript of one small file instead
 * of all of these; this module works from its source too.
 */
import { execFileSync } from "node:child_process";
import { hash as digest } from "node:crypto";
import { closeSync, existsSync, statSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { writeAggregates } from "./aggregates.ts";
import { codeHash, root } from "./bundle.ts";
import { type Cache, type Outputs, readCache, readOutputs, writeCache, writeOutputs } from "./cache.ts";
import { type BuildIssue, brokenLinks, duplicateSlugs, undatedArticles } from "./checks.ts";
import { gitDates } from "./git-dates.ts";
import { type Navigation, navigation } from "./nav.ts";
import { cmp } from "./order.ts";
import type { PageContext } from "./page.ts";
import { splitLocale } from "./paths.ts";
import { listSources, planRender, removePage, removeStale, removeVanished } from "./plan.ts";
import { platformDir, sourceRoot, withPlatform } from "./platform.ts";
import { Progress } from "./progress.ts";
import { PAGES_PER_THREAD, renderAll, startWorkers, workerCount } from "./render.ts";
import { writeAssets } from "./static-assets.ts";

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
  /** Broken internal links are errors (`--strict`); else warnings, listed after the build. */
  strict?: boolean;
  /** Git revision recorded in the manifest; default `git rev-parse HEAD`. */
  revision?: string;
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

/**
 * What a build keeps in memory for the next build of the same process (`--watch`): the
 * content's sources, the cache and the outputs file as it wrote them. With the files that
 * changed since (`Session.changed`, from the watcher), the next build lists no folder, reads
 * neither file back and stats only those files; without them it does what a new process does.
 */
export interface Warm {
  key: string;
  listed: string[];
  nav: Navigation;
  cache: Cache;
  outputs: Outputs;
}

/** A process's run of builds (`--watch`): the warm state and what changed since the last build. */
export interface Session {
  warm?: Warm;
  /** Content files (relative, `/` separators) changed since the last build; null when not known. */
  changed?: ReadonlySet<string> | null;
}

/** Whether `navigation` reads `file`: a locale's top-level page, or a folder's index page. */
function readByNavigation(file: string): boolean {
  const { key } = splitLocale(file);
  const slash = key.indexOf("/");
  return slash === -1 || key.slice(slash + 1) === "index.md";
}

/** Whether the watcher's `changed` files are all sources of the last build and still files. */
function onlyEdited(warm: Warm, contentDir: string, changed: ReadonlySet<string>): boolean {
  const listed = new Set(warm.listed);
  for (const f of changed) {
    if (!listed.has(f)) return false;
    const st = statSync(path.join(contentDir, f), { throwIfNoEntry: false });
    if (!st?.isFile()) return false;
  }
  return true;
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

/** Builds the site. Never throws for content errors: they come back in `errors`. */
export async function build(options: BuildOptions, knownCode?: string, session?: Session): Promise<BuildResult> {
  const started = performance.now();
  const contentDir = path.resolve(options.contentDir);
  const outDir = path.resolve(options.outDir);
  const baseUrl = (options.baseUrl ?? "https://statex.example").replace(/\/$/, "");
  const threads = options.threads ?? availableParallelism();
  const warmKey = JSON.stringify([contentDir, outDir, baseUrl]);
  const changed = session?.changed;
  const warm =
    options.incremental && changed && session?.warm?.key === warmKey && onlyEdited(session.warm, contentDir, changed)
      ? session.warm
      : undefined;
  if (session) session.warm = undefined;
  // The content's pages and the platform's own (`platform.ts`).
  const listed = warm ? warm.listed : await listSources(contentDir);
  const { sources, platform } = await withPlatform(listed);
  const rootOf = (file: string) => sourceRoot(file, contentDir, platform);
  // Every page shows the navigation, so a change to it invalidates every cached page. It is
  // read from the top-level pages and the folders' index pages: a warm build whose changed
  // files are none of those keeps it.
  const nav = warm && ![...(changed ?? [])].some(readByNavigation) ? warm.nav : navigation(sources, rootOf, platform);
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

    // The previous build's outputs file says what is in the output, so even a full build
    // overwrites in place and removes only what is stale (deleting 20,000 files first costs
    // about a second). Its cache's page records are reused only by an incremental build of
    // the same generator.
    const cacheKey = `${code}:${digest("sha256", JSON.stringify(nav), "hex").slice(0, 16)}`;
    const fromMemory = warm?.cache.codeHash === cacheKey && existsSync(outDir) ? warm : undefined;
    const previous = fromMemory ? fromMemory.outputs : existsSync(outDir) ? await readOutputs(outDir) : null;
    const cache = fromMemory
      ? fromMemory.cache
      : previous && options.incremental
        ? await readCache(outDir, cacheKey, baseUrl)
        : null;
    if (!previous) await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    const assets = await writeAssets(outDir);
    const { stats, toRender, kept } = planRender(sources, fileSet, rootOf, cache, fromMemory ? changed : undefined);
    if (previous) await removeVanished(outDir, previous, fileSet);

    const tRender = performance.now();
    const progress = new Progress(toRender.length, !options.quiet);
    const dates = toRender.length ? gitDates(contentDir) : {};
    const ctx: PageContext = {
      contentDir,
      outDir,
      baseUrl,
      assets,
      files: fileSet,
      fresh: !previous,
      dates,
      platform,
      platformDir,
      nav,
    };
    handedOver = true;
    const rendered = await renderAll(toRender, ctx, threads, perThread, progress, code, early, spools);
    const { records, errors, spooled } = rendered;
    for (const [f, mtimeMs, size] of rendered.stats) stats.set(f, { mtimeMs, size });
    progress.end();
    // A page that became a draft must not stay published from an earlier build.
    for (const r of records) if (r.draft) await removePage(outDir, r.url);
    const all = [...kept, ...records].sort((a, b) => cmp(a.file, b.file));
    const published = all.filter((r) => !r.draft);
    errors.push(...duplicateSlugs(published));
    const warnings = undatedArticles(published);

    const tAggregates = performance.now();
    const { generated, manifest, written, llms, scopes } = writeAggregates(published, {
      outDir,
      baseUrl,
      assets,
      revision,
      previous: cache ? previous?.llms : undefined,
      unchanged: new Set(kept.map((r) => r.file)),
      spooled,
      fresh: !previous,
      nav,
      code: cacheKey,
      reuse: cache ? previous?.scopes : undefined,
    });
    for (const fd of spools.splice(0)) closeSync(fd);
    if (previous) await removeStale(outDir, previous, written, published);
    (options.strict ? errors : warnings).push(...brokenLinks(published, generated, rootOf));

    const tCache = performance.now();
    const pages: Record<string, string> = {};
    for (const r of all) pages[r.file] = r.url;
    const entries = writeCache(outDir, { codeHash: cacheKey, baseUrl }, all, stats);
    const outputs = { pages, files: written, llms, scopes };
    await writeOutputs(outDir, outputs);
    if (session && options.incremental && !errors.length)
      session.warm = {
        key: warmKey,
        listed,
        nav,
        cache: { version: 3, codeHash: cacheKey, baseUrl, entries },
        outputs: { version: 3, ...outputs },
      };

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
