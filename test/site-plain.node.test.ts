/**
 * Content a company can drop in (site/derive.ts, site/git-dates.ts, site/paths.ts): plain
 * markdown pages without front matter, in nested folders, with URLs and slugs from their path.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Manifest } from "../shared/site/manifest.ts";
import { build } from "../site/build.ts";
import { cut, derivedMeta, humanise, plainText } from "../site/derive.ts";
import { gitDates } from "../site/git-dates.ts";
import { removeSites, throwawaySite } from "./helpers/site.ts";

afterEach(removeSites);

/** A throwaway site: `files` maps content paths to their text. */
const site = (files: Record<string, string>) => throwawaySite(files, "statex-plain-");

describe("metadata derived from a page's text", () => {
  it("takes the title from the first # heading and the description from the first paragraph", () => {
    const { meta, heading } = derivedMeta(
      "Intro line before.\n\n## Not this\n\n# The *real* title #\n\nFirst [para](/x/) with `code`\nand a second line.\n\nSecond para.",
      "services/web-development.md",
      "Site",
      "2026-01-02",
    );
    expect(heading).toBe(true);
    expect(meta).toEqual({
      title: "The real title",
      description: "Intro line before.",
      tags: [],
      draft: false,
      updated: "2026-01-02",
    });
    const later = derivedMeta("# T\n\n```\ncode\n```\n\n- a list\n\nThe **words** here.", "x.md", "Site");
    expect(later.meta.description).toBe("The words here.");
    expect(later.meta.date).toBeUndefined();
  });

  it("falls back to the file name, humanised, and to the title for the description", () => {
    expect(humanise("services/web-development.md")).toBe("Web development");
    expect(humanise("services/index.md")).toBe("Services");
    expect(humanise("index.md")).toBe("");
    const { meta, heading } = derivedMeta("## Only a second-level heading\n", "how_we_work.md", "Site");
    expect(heading).toBe(false);
    expect(meta.title).toBe("How we work");
    expect(meta.description).toBe("How we work");
    expect(derivedMeta("", "index.md", "Site").meta.title).toBe("Site");
  });

  it("cuts a long description at a word boundary with an ellipsis", () => {
    const long = `${"word ".repeat(100)}end`;
    const d = cut(plainText(long), 300);
    expect(d.length).toBeLessThanOrEqual(300);
    expect(d.endsWith("word…")).toBe(true);
    expect(cut("short", 300)).toBe("short");
    expect(plainText("![img](a.png) <b>bold</b> \\*x\\* [ref][1]")).toBe("bold x ref");
  });

  it("stays bounded on hostile input: a huge page without headings, a 100,000-character heading", () => {
    const started = performance.now();
    const huge = derivedMeta("x".repeat(10 * 1024 * 1024), "big.md", "Site");
    expect(huge.meta.title).toBe("Big");
    expect(huge.meta.description.length).toBeLessThanOrEqual(300);
    const lines = derivedMeta("\n".repeat(2_000_000), "empty.md", "Site");
    expect(lines.meta.title).toBe("Empty");
    const heading = derivedMeta(`# ${"h".repeat(100_000)}\n\ntext`, "h.md", "Site");
    expect(heading.meta.title.length).toBeLessThanOrEqual(160);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("dates every file from one git log walk: the last commit that touched it", async () => {
    const s = await site({ "a.md": "# A\n", "sub/b.md": "# B\n" });
    const git = (args: string[], date: string) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
        cwd: s.root,
        env: { ...process.env, GIT_AUTHOR_DATE: `${date}T12:00:00Z`, GIT_COMMITTER_DATE: `${date}T12:00:00Z` },
        stdio: "ignore",
      });
    git(["init", "-q"], "2020-01-01");
    git(["add", "."], "2020-01-01");
    git(["commit", "-q", "-m", "one"], "2020-01-02");
    await writeFile(path.join(s.contentDir, "sub/b.md"), "# B changed\n");
    git(["commit", "-q", "-am", "two"], "2021-03-04");
    expect(gitDates(s.contentDir)).toEqual({ "a.md": "2020-01-02", "sub/b.md": "2021-03-04" });
    await build(s.options);
    const manifest = JSON.parse(await s.read("_content/manifest.json")) as Manifest;
    expect(await s.read("sitemap.xml")).toContain("<lastmod>2021-03-04</lastmod>");
    expect(manifest.pages.map((p) => p.slug).sort()).toEqual(["a", "problems", "sub/b"]);
  });

  it("reads no git dates outside a git work tree", async () => {
    const s = await site({ "a.md": "# A\n" });
    expect(gitDates(s.contentDir)).toEqual({});
  });
});

describe("plain markdown pages in nested folders", () => {
  it("builds them at their folder URLs, with slugs from the folder path", async () => {
    const s = await site({
      "index.md": "# Acme\n\nWe build things.\n",
      "services/index.md": "# What we do\n\nServices overview.\n",
      "services/web-development.md": "# Web development\n\nSites that load fast.\n",
      "services/deep/er/ai-version.md": "Plain text only, no heading.\n",
      "other/ai-version.md": "# Another AI version\n\nNot a slug clash.\n",
      "cs/services/web-development.md": "# Vývoj webů\n\nRychlé weby.\n",
    });
    const result = await build(s.options);
    expect(result.errors).toEqual([]);
    // Six pages and the platform's /problems/.
    expect(result.pages).toBe(7);
    const manifest = JSON.parse(await s.read("_content/manifest.json")) as Manifest;
    const bySlug = Object.fromEntries(manifest.pages.map((p) => [`${p.locale}:${p.slug}`, p]));
    expect(Object.keys(bySlug).sort()).toEqual([
      "cs:services/web-development",
      "en:home",
      "en:other/ai-version",
      "en:problems",
      "en:services",
      "en:services/deep/er/ai-version",
      "en:services/web-development",
    ]);
    expect(bySlug["en:services/web-development"]).toMatchObject({
      url: "/services/web-development/",
      title: "Web development",
      description: "Sites that load fast.",
      date: null,
    });
    expect(bySlug["en:services"]?.url).toBe("/services/");
    expect(bySlug["en:services/deep/er/ai-version"]?.title).toBe("Ai version");
    // Undated: not an article, so not in the feed.
    expect(await s.read("atom.xml")).not.toContain("web-development");
    // The page without a heading is given one; the twin carries the title once.
    const html = await s.read("services/deep/er/ai-version/index.html");
    expect(html).toMatch(/<h1 id="ai-version">.*Ai version<\/h1>/);
    const twin = await s.read("services/web-development/index.md");
    expect(twin).toBe("# Web development\n\n> Sites that load fast.\n\nSites that load fast.\n");
    // Translations still pair by path under cs/.
    expect(await s.read("services/web-development/index.html")).toContain('hreflang="cs"');
    expect(await s.read("sitemap.xml")).toMatch(
      /<loc>[^<]*\/services\/web-development\/<\/loc>\s*<lastmod>\d{4}-\d{2}-\d{2}/,
    );
  });

  it("builds a page a hundred folders deep, its section labelled by the folder name", async () => {
    const deep = `${Array.from({ length: 100 }, (_, i) => `d${i}`).join("/")}/page.md`;
    const s = await site({ "index.md": "# Home\n", [deep]: "Deep down.\n" });
    const result = await build(s.options);
    expect(result.errors).toEqual([]);
    const manifest = JSON.parse(await s.read("_content/manifest.json")) as Manifest;
    expect(manifest.pages.find((p) => p.slug === deep.slice(0, -3))?.title).toBe("Page");
    expect(await s.read(`${deep.slice(0, -3)}/index.html`)).toContain('<li><a href="/d0/">D0</a></li>');
  });

  it("validates front matter exactly as before when a page has it, and an explicit slug wins", async () => {
    const s = await site({
      "index.md": "---\ntitle: Home\ndescription: The home.\n---\n# Home\n",
      "a/b.md": "---\ntitle: B\ndescription: About B.\nslug: bee\n---\n# B\n",
      "bad.md": "---\ntitle: T\n---\n# T\n",
    });
    const result = await build(s.options);
    expect(result.errors).toEqual([{ file: "bad.md", line: 1, reason: "description is required" }]);
    const manifest = JSON.parse(await s.read("_content/manifest.json")) as Manifest;
    expect(manifest.pages.map((p) => p.slug).sort()).toEqual(["bee", "home", "problems"]);
  });
});

describe("a company's own content folder", () => {
  const company = {
    "index.md": "# Acme Studio\n\nWe design and build web sites for small companies.\n",
    "services/web-development.md":
      "# Web development\n\nFast sites, built to last. See [our process](/process/) and [sign up](/auth/sign-up).\n",
    "about-us.md": "Who we are: a **small** team in Brno.\n\nMore text.\n",
  };

  it("builds three plain pages beside the platform's /problems/, in the manifest, sitemap and llms.txt", async () => {
    const s = await site(company);
    const result = await build(s.options);
    expect(result.errors).toEqual([]);
    // The one broken link is a warning, with its file and line.
    expect(result.warnings).toEqual([
      { file: "services/web-development.md", line: 3, reason: "broken internal link /process/" },
    ]);
    expect(result.pages).toBe(4);
    expect(await s.exists("problems/index.html")).toBe(true);
    expect(await s.read("problems/index.md")).toMatch(/^# Problem types\n/);
    const manifest = JSON.parse(await s.read("_content/manifest.json")) as Manifest;
    const pages = Object.fromEntries(manifest.pages.map((p) => [p.slug, p]));
    expect(Object.keys(pages).sort()).toEqual(["about-us", "home", "problems", "services/web-development"]);
    expect(pages["about-us"]).toMatchObject({
      url: "/about-us/",
      title: "About us",
      description: "Who we are: a small team in Brno.",
    });
    expect(pages["services/web-development"]).toMatchObject({
      url: "/services/web-development/",
      title: "Web development",
      description: "Fast sites, built to last. See our process and sign up.",
    });
    const sitemap = await s.read("sitemap.xml");
    for (const url of ["/about-us/", "/services/web-development/", "/problems/"]) expect(sitemap).toContain(url);
    const llms = await s.read("llms.txt");
    expect(llms).toContain("[Web development](https://statex.example/services/web-development/index.md)");
    expect(llms).toContain("Who we are: a small team in Brno.");
  });

  it("fails the command line build on the broken link with --strict, and passes without", async () => {
    const s = await site(company);
    const cli = path.resolve(import.meta.dirname, "..", "site", "build.ts");
    const args = [cli, "--content", s.contentDir, "--out", s.options.outDir, "--quiet"];
    const lenient = spawnSync(process.execPath, args, { encoding: "utf8" });
    expect(lenient.status).toBe(0);
    expect(lenient.stderr).toContain("warning: services/web-development.md:3: broken internal link /process/");
    const strict = spawnSync(process.execPath, [...args, "--strict"], { encoding: "utf8" });
    expect(strict.status).toBe(1);
    expect(strict.stderr).toContain("error: services/web-development.md:3: broken internal link /process/");
  }, 60_000);

  it("lets a content page at the platform page's path take its place", async () => {
    const s = await site({ "index.md": "# Home\n", "problems/index.md": "# Our own problems page\n\nMine.\n" });
    expect((await build(s.options)).errors).toEqual([]);
    expect(await s.read("problems/index.md")).toMatch(/^# Our own problems page/);
  });
});

describe("navigation from the content (site/nav.ts)", () => {
  it("lists top-level pages and folders by order, then title, at most six and the API, per locale", async () => {
    const fm = (title: string, extra = "") =>
      `---\ntitle: ${title}\ndescription: About ${title}.\n${extra}---\n# ${title}\n`;
    const s = await site({
      "index.md": "# Acme\n\nWe make things that last.\n",
      "zeta.md": fm("Zeta first", "order: 1\n"),
      "alpha.md": "# Alpha\n\nText.\n",
      "beta.md": "# Beta\n",
      "gamma.md": "# Gamma\n",
      "delta.md": "# Delta\n",
      "epsilon.md": "# Epsilon\n",
      "hidden.md": fm("Hidden", "draft: true\n"),
      "work/index.md": fm("Our work", "order: 2\n"),
      "work/one.md": "# One\n",
      "cs/zeta.md": fm("Zeta česky", "order: 1\n"),
      "cs/work/index.md": fm("Naše práce", "order: 2\n"),
    });
    expect((await build(s.options)).errors).toEqual([]);
    const nav = (html: string) =>
      [
        ...(/<nav class="main">(.*?)<\/nav>/.exec(html)?.[1] ?? "").matchAll(/<a href="([^"]+)"[^>]*>([^<]+)<\/a>/g),
      ].map((m) => `${m[1]} ${m[2]}`);
    expect(nav(await s.read("index.html"))).toEqual([
      "/zeta/ Zeta first",
      "/work/ Our work",
      "/alpha/ Alpha",
      "/beta/ Beta",
      "/delta/ Delta",
      "/epsilon/ Epsilon",
      "/docs API",
    ]);
    expect(nav(await s.read("cs/work/index.html"))).toEqual([
      "/cs/zeta/ Zeta česky",
      "/cs/work/ Naše práce",
      "/docs API",
    ]);
    // The current page is marked; the section label comes from the folder's index.md.
    expect(await s.read("alpha/index.html")).toContain('<a href="/alpha/" aria-current="page">Alpha</a>');
    expect(await s.read("work/one/index.html")).toContain('<li><a href="/work/">Our work</a></li>');
    // llms.txt's summary is the home page's description.
    expect(await s.read("llms.txt")).toMatch(/^# StateX\n\n> We make things that last\. /);
  });

  it("re-renders every page in an incremental build when the navigation changes", async () => {
    const s = await site({ "index.md": "# Home\n", "a.md": "# A\n", "b.md": "# B\n" });
    expect((await build(s.options)).rendered).toBe(4);
    expect((await build({ ...s.options, incremental: true })).rendered).toBe(0);
    const file = path.join(s.contentDir, "b.md");
    await writeFile(file, "# B renamed\n");
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    expect((await build({ ...s.options, incremental: true })).rendered).toBe(4);
    expect(await s.read("a/index.html")).toContain(">B renamed</a>");
  });
});
