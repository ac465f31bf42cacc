/**
 * `npm run bench:site`: builds one generated corpus with our generator (all cores, and one
 * thread), a marked-only floor script, Eleventy and — when Debian's `hugo` is installed —
 * Hugo, side by side in one run, and prints pages/s, peak memory (max RSS, worker threads
 * included, from /usr/bin/time) and the time to rebuild after changing one page.
 *
 *   BENCH_SIZES=1000,10000 BENCH_RUNS=3 BENCH_DIR=/dev/shm/statex-bench npm run bench:site
 *   BENCH_KEEP=1 …   keeps <BENCH_DIR>/<size>/ (corpus, Hugo site, outputs) afterwards
 *
 * Everything is written under BENCH_DIR (a tmpfs by default) so the disk does not decide.
 * Not part of `npm test`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { pageSource, writeCorpus } from "./corpus.ts";

const root = path.resolve(import.meta.dirname, "..", "..");
const node = process.execPath;
const sizes = (process.env.BENCH_SIZES ?? "1000,10000").split(",").map(Number);
const repeats = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));
const benchDir = process.env.BENCH_DIR ?? (existsSync("/dev/shm") ? "/dev/shm/statex-bench" : "/tmp/statex-bench");
const hasTime = existsSync("/usr/bin/time");
const hugo = (() => {
  try {
    return execFileSync("hugo", ["version"], { encoding: "utf8" }).trim();
  } catch {
    return null;
  }
})();

interface Run {
  tool: string;
  seconds: number;
  /** User + system CPU time of every thread. */
  cpuSeconds: number | null;
  pagesPerSecond: number;
  maxRssMb: number | null;
  ok: boolean;
  /** HTML files in the output: a check that the tool really built every page. */
  htmlFiles?: number;
}

async function countHtml(dir: string): Promise<number> {
  try {
    return (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".html")).length;
  } catch {
    return 0;
  }
}

/**
 * Runs a command BENCH_RUNS times (default 1), timing it and reading its CPU time (user +
 * system, all threads) and peak RSS from GNU time. Reports the fastest run's times and the
 * highest peak RSS of all runs: on a shared machine the fastest run is the least disturbed,
 * and memory is reported at its worst.
 */
function measure(tool: string, pages: number, cmd: string, args: string[], env: Record<string, string> = {}): Run {
  let best: Run | null = null;
  let rssMax: number | null = null;
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const res = hasTime
      ? spawnSync("/usr/bin/time", ["-v", cmd, ...args], {
          encoding: "utf8",
          env: { ...process.env, ...env },
          cwd: root,
        })
      : spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, ...env }, cwd: root });
    const seconds = (performance.now() - started) / 1000;
    const stderr = res.stderr ?? "";
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
    const user = /User time \(seconds\): ([\d.]+)/.exec(stderr)?.[1];
    const system = /System time \(seconds\): ([\d.]+)/.exec(stderr)?.[1];
    const ok = res.status === 0;
    if (!ok) console.error(`${tool} failed (${res.status}):\n${stderr.slice(-2000)}`);
    const run: Run = {
      tool,
      seconds,
      cpuSeconds: user && system ? Number(user) + Number(system) : null,
      pagesPerSecond: pages / seconds,
      maxRssMb: rss ? Number(rss) / 1024 : null,
      ok,
    };
    if (run.maxRssMb !== null) rssMax = Math.max(rssMax ?? 0, run.maxRssMb);
    if (!ok) return run;
    if (!best || run.seconds < best.seconds) best = run;
  }
  return { ...(best as Run), maxRssMb: rssMax };
}

async function eleventySetup(dir: string, corpus: string, out: string): Promise<string> {
  await mkdir(path.join(corpus, "_includes"), { recursive: true });
  await writeFile(
    path.join(corpus, "_includes", "page.liquid"),
    '<!doctype html><html><head><meta charset="utf-8"><title>{{ title }}</title></head><body>{{ content }}</body></html>\n',
  );
  await writeFile(path.join(corpus, "articles", "articles.json"), JSON.stringify({ layout: "page.liquid" }));
  const config = path.join(dir, "eleventy.config.mjs");
  await writeFile(
    config,
    `export default function () {\n  return { dir: { input: ${JSON.stringify(corpus)}, output: ${JSON.stringify(out)}, includes: "_includes" }, markdownTemplateEngine: false, templateFormats: ["md"] };\n}\n`,
  );
  return config;
}

/**
 * A Hugo site over a copy of the corpus, configured to do the job our build does:
 * - the home page is `_index.md`: a root `index.md` is a *leaf bundle* in Hugo, which makes
 *   every other file of the corpus a resource of the home page, so Hugo renders none of the
 *   pages (an earlier version of this benchmark fell into that: 9 files written, "10,000
 *   pages/s");
 * - `buildFuture = true`: Hugo skips pages dated after today, and the corpus has dates all year;
 * - `rssLimit = 20` and `paginate = 50`, as our feeds and listings (Hugo's default feeds list
 *   every page of a section or tag, with its summary);
 * - highlighting off (`hugo.toml`) or on with CSS classes, as ours (`hugo-highlight.toml`).
 */
async function hugoSetup(dir: string, corpus: string): Promise<string> {
  const site = path.join(dir, "hugo");
  await mkdir(path.join(site, "layouts", "_default"), { recursive: true });
  const config = (highlight: string) =>
    `baseURL = "https://bench.example/"\ntitle = "Bench"\nbuildFuture = true\nrssLimit = 20\npaginate = 50\n[markup.highlight]\n${highlight}\n[markup.goldmark.renderer]\nunsafe = false\n`;
  await writeFile(path.join(site, "hugo.toml"), config("codeFences = false"));
  await writeFile(path.join(site, "hugo-highlight.toml"), config("noClasses = false"));
  const shell = (body: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>${body}</body></html>\n`;
  await writeFile(path.join(site, "layouts", "_default", "single.html"), shell("{{ .Content }}"));
  await writeFile(
    path.join(site, "layouts", "_default", "list.html"),
    shell('{{ range .Paginator.Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}'),
  );
  await writeFile(path.join(site, "layouts", "index.html"), shell("{{ .Content }}"));
  // Hugo reads content/ inside the site: a copy in the same tmpfs.
  execFileSync("cp", ["-r", corpus, path.join(site, "content")]);
  await rename(path.join(site, "content", "index.md"), path.join(site, "content", "_index.md"));
  return site;
}

const fmt = (r: Run) =>
  `| ${r.tool} | ${r.seconds.toFixed(2)} s | ${r.cpuSeconds === null ? "n/a" : `${r.cpuSeconds.toFixed(2)} s`} | ${Math.round(r.pagesPerSecond)} | ${r.maxRssMb === null ? "n/a" : `${Math.round(r.maxRssMb)} MB`} | ${r.htmlFiles ?? "?"} |${r.ok ? "" : " FAILED"}`;

async function benchSize(total: number): Promise<string> {
  const dir = path.join(benchDir, String(total));
  await rm(dir, { recursive: true, force: true });
  const corpus = path.join(dir, "content");
  const pages = await writeCorpus(corpus, total);
  const out = (name: string) => path.join(dir, `out-${name}`);
  const ours = path.join(root, "site", "build.ts");
  // As `npm run site:build` runs it: V8's young generation capped at 4 MB a semi-space (the
  // main thread's peak ~25 MB lower, the same CPU time; docs/performance.md).
  const flags = ["--max-semi-space-size=4"];
  const runs: Run[] = [];

  runs.push(
    measure(`statex, ${availableParallelism()} threads`, pages, node, [
      ...flags,
      ours,
      "--content",
      corpus,
      "--out",
      out("ours"),
      "--quiet",
    ]),
  );
  runs.push(
    measure("statex, 1 thread", pages, node, [
      ...flags,
      ours,
      "--content",
      corpus,
      "--out",
      out("ours1"),
      "--quiet",
      "--threads",
      "1",
    ]),
  );
  runs.push(
    measure("marked-only floor, 1 thread", pages, node, [
      path.join(import.meta.dirname, "floor.ts"),
      corpus,
      out("floor"),
    ]),
  );

  // One-page rebuild: change one page, then an incremental build of the full-size output.
  const changed = path.join(corpus, "articles", "p7.md");
  await writeFile(changed, pageSource(7, total).replace("# ", "# Changed: "));
  const rebuild = measure("statex one-page rebuild", 1, node, [
    ...flags,
    ours,
    "--content",
    corpus,
    "--out",
    out("ours"),
    "--quiet",
    "--incremental",
  ]);

  const watchMs = Number(
    execFileSync(node, [path.join(import.meta.dirname, "rebuild.ts"), corpus, out("ours"), changed], {
      encoding: "utf8",
      cwd: root,
    }).trim(),
  );

  const config = await eleventySetup(dir, corpus, out("eleventy"));
  runs.push(
    measure("Eleventy 3 (markdown-it), 1 thread", pages, node, [
      path.join(root, "node_modules", "@11ty", "eleventy", "cmd.cjs"),
      `--config=${config}`,
      "--quiet",
    ]),
  );
  if (hugo) {
    const site = await hugoSetup(dir, corpus);
    runs.push(
      measure("Hugo (no highlighting)", pages, "hugo", ["--source", site, "--destination", out("hugo"), "--quiet"]),
    );
    runs.push(
      measure("Hugo (highlighting)", pages, "hugo", [
        "--source",
        site,
        "--config",
        path.join(site, "hugo-highlight.toml"),
        "--destination",
        out("hugo-hl"),
        "--quiet",
      ]),
    );
  }
  const outs: Record<string, string> = {
    "statex, 1 thread": out("ours1"),
    "marked-only floor, 1 thread": out("floor"),
    "Eleventy 3 (markdown-it), 1 thread": out("eleventy"),
    "Hugo (no highlighting)": out("hugo"),
    "Hugo (highlighting)": out("hugo-hl"),
  };
  outs[`statex, ${availableParallelism()} threads`] = out("ours");
  for (const r of runs) r.htmlFiles = await countHtml(outs[r.tool] ?? "");
  const floor = runs.find((r) => r.tool.startsWith("marked-only"));
  const one = runs.find((r) => r.tool === "statex, 1 thread");
  const two = runs.find((r) => r.tool.startsWith("statex,") && r !== one);
  const hugoRun = runs.find((r) => r.tool === "Hugo (no highlighting)");
  const lines = [
    `### ${pages.toLocaleString("en")} pages`,
    "",
    "| Build | Time | CPU time | Pages/s | Peak RSS | HTML files |",
    "| ----- | ---- | -------- | ------- | -------- | ---------- |",
    ...runs.map(fmt),
    "",
    `One-page rebuild: ${rebuild.seconds.toFixed(2)} s as a new \`--incremental\` process (start-up included, peak RSS ${rebuild.maxRssMb === null ? "n/a" : `${Math.round(rebuild.maxRssMb)} MB`}); ${(watchMs / 1000).toFixed(2)} s inside a warm process, as \`--watch\` does it.`,
    floor && one
      ? `Single thread vs the floor: ${(one.seconds / floor.seconds).toFixed(2)}× the time, ${one.cpuSeconds && floor.cpuSeconds ? (one.cpuSeconds / floor.cpuSeconds).toFixed(2) : "n/a"}× the CPU time.`
      : "",
    hugoRun && two
      ? `${two.tool} vs ${hugoRun.tool}: ${(hugoRun.seconds / two.seconds).toFixed(2)}× as fast, ${hugoRun.maxRssMb && two.maxRssMb ? (hugoRun.maxRssMb / two.maxRssMb).toFixed(1) : "n/a"}× less memory.`
      : "",
    "",
  ];
  // BENCH_KEEP=1 leaves the corpus, the Hugo site and the outputs for runs by hand.
  if (!process.env.BENCH_KEEP) await rm(dir, { recursive: true, force: true });
  return lines.join("\n");
}

console.log(
  `# Site build benchmark\n\n${new Date().toISOString()} · Node ${process.version} · ${availableParallelism()} cores · ${hugo ?? "Hugo not installed"} · output in ${benchDir}\n`,
);
// Warm-up: a small build makes the generator's bundled renderer (built once per version of
// the code), so no measured run pays for esbuild.
{
  const warm = path.join(benchDir, "warm-up");
  await rm(warm, { recursive: true, force: true });
  await writeCorpus(path.join(warm, "content"), 100);
  execFileSync(
    node,
    [
      path.join(root, "site", "build.ts"),
      "--content",
      path.join(warm, "content"),
      "--out",
      path.join(warm, "out"),
      "--quiet",
    ],
    { cwd: root },
  );
  await rm(warm, { recursive: true, force: true });
}
for (const size of sizes) console.log(await benchSize(size));
