import { createHash } from "node:crypto";
import { closeSync, readSync } from "node:fs";
import { mkdir, readdir, readFile, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { XMLValidator } from "fast-xml-parser";
import { Lexer, Marked } from "marked";
import { afterEach, describe, expect, it } from "vitest";
import {
  fastTokenizer,
  mayBeSetextHeading,
  mayBeTable,
  plainTextLength,
  simpleList,
  tableWithoutEscapes,
} from "../shared/markdown/fast-lexing.ts";
import type { Manifest } from "../shared/site/manifest.ts";
import { build, type Session } from "../site/build.ts";
import { FRONT_MATTER_KEYS, frontMatterSchema, parseFrontMatter, quickFrontMatter } from "../site/frontmatter.ts";
import { openSpoolFile, Spool } from "../site/spool.ts";
import { writeText } from "../site/write.ts";
import { removeSites, tempDir, throwawaySite } from "./helpers/site.ts";

afterEach(removeSites);

/** A throwaway site: `files` maps content paths to their text. */
const site = (files: Record<string, string>) => throwawaySite(files, "statex-site-");

const page = (title: string, body = "Some text.", extra = "") =>
  `---\ntitle: ${title}\ndescription: About ${title}.\n${extra}---\n\n# ${title}\n\n${body}\n`;

describe("front matter", () => {
  it("parses the flat YAML subset pages use", () => {
    const { meta, body } = parseFrontMatter(
      `---\ntitle: "Quoted: with colon"\ndescription: 'It''s fine' # comment kept inside quotes\ndate: 2026-11-10\ntags:\n  - api\n  - getting-started\norder: 3\ndraft: false\n---\nBody`,
      "x.md",
    );
    expect(meta).toEqual({
      title: "Quoted: with colon",
      description: "It's fine",
      date: "2026-11-10",
      tags: ["api", "getting-started"],
      order: 3,
      draft: false,
    });
    expect(body).toBe("Body");
    expect(parseFrontMatter("---\ntitle: T\ndescription: D\ntags: [a, b-c]\n---\n", "y.md").meta?.tags).toEqual([
      "a",
      "b-c",
    ]);
  });

  it("takes the fast path only where zod gives the same answer", () => {
    expect(FRONT_MATTER_KEYS).toEqual(Object.keys(frontMatterSchema().shape));
    const valid: Record<string, unknown>[] = [
      { title: "T", description: "D" },
      { title: "  Padded  ", description: " d ", tags: [] },
      {
        title: "All",
        description: "Keys",
        date: "2026-01-02",
        updated: "2026-02-03",
        tags: ["api", "getting-started", "č2"],
        locale: "cs",
        draft: true,
        order: -4,
        slug: "all-keys",
      },
      { slug: "x", order: 0, draft: false, locale: "en", description: "D", title: "Reordered" },
      { title: "x".repeat(160), description: "y".repeat(320) },
    ];
    for (const data of valid) {
      const quick = quickFrontMatter(data as never);
      expect(quick, JSON.stringify(data)).not.toBeNull();
      expect(quick).toStrictEqual(frontMatterSchema().parse(data));
      expect(Object.keys(quick ?? {})).toEqual(Object.keys(frontMatterSchema().parse(data)));
    }
    const invalid: Record<string, unknown>[] = [
      {},
      { title: "T" },
      { title: " ", description: "D" },
      { title: "x".repeat(161), description: "D" },
      { title: "T", description: "y".repeat(321) },
      { title: 3, description: "D" },
      { title: "T", description: "D", date: "2026-1-2" },
      { title: "T", description: "D", updated: 20260102 },
      { title: "T", description: "D", tags: "api" },
      { title: "T", description: "D", tags: ["Api"] },
      { title: "T", description: "D", tags: ["-x"] },
      { title: "T", description: "D", tags: [1] },
      { title: "T", description: "D", locale: "de" },
      { title: "T", description: "D", draft: "yes" },
      { title: "T", description: "D", order: 1.5 },
      { title: "T", description: "D", order: "1" },
      { title: "T", description: "D", slug: "Bad_Slug" },
      { title: "T", description: "D", authr: "me" },
    ];
    for (const data of invalid) {
      expect(quickFrontMatter(data as never), JSON.stringify(data)).toBeNull();
      expect(frontMatterSchema().safeParse(data).success, JSON.stringify(data)).toBe(false);
    }
  });

  it("fails the build with file, line and reason for each bad page", async () => {
    const s = await site({
      "index.md": page("Home"),
      "bad-date.md": "---\ntitle: T\ndescription: D\ndate: 10/11/2026\n---\nx",
      "unknown-key.md": "---\ntitle: T\ndescription: D\nauthr: me\n---\nx",
      "no-title.md": "---\ndescription: D\n---\nx",
      "no-front-matter.md": "# Just markdown",
      "nested.md": "---\ntitle: T\ndescription: D\nseo:\n  title: x\n---\nx",
    });
    const result = await build(s.options);
    const byFile = Object.fromEntries(result.errors.map((e) => [e.file, e]));
    expect(byFile["bad-date.md"]).toEqual({
      file: "bad-date.md",
      line: 4,
      reason: "date: must be a date written YYYY-MM-DD",
    });
    expect(byFile["unknown-key.md"]).toEqual({
      file: "unknown-key.md",
      line: 4,
      reason: "unknown front matter key authr",
    });
    expect(byFile["no-title.md"]).toEqual({ file: "no-title.md", line: 1, reason: "title is required" });
    // A page without front matter is a plain markdown page now, not an error.
    expect(byFile["no-front-matter.md"]).toBeUndefined();
    expect(byFile["nested.md"]).toMatchObject({ line: 5, reason: expect.stringMatching(/nested values/) });
    expect(result.errors).toHaveLength(4);
    // index.md, no-front-matter.md and the platform's /problems/ (site/platform/).
    expect(result.pages).toBe(3);
  });
});

describe("fast lexing (shared/markdown/fast-lexing.ts)", () => {
  // Pieces that meet every branch of marked's rules: stop characters, link and e-mail starts,
  // hard breaks, Unicode white space, setext underlines, table delimiters, line terminators.
  const pieces = [
    ..."aZ0hHtTpPsfFw.@:/|-#&()!<[\\`~_* \t\n\r",
    "ww",
    "www.",
    "http",
    "HTTPS://x",
    "ftp://",
    "fTp:/",
    "mailto:",
    "xmpp:",
    "mailt",
    "a@b",
    "a.b@c",
    "  \n",
    "   \n",
    "``",
    "~~",
    "&#65;",
    "\u00a0",
    "\u3000",
    "\u2028",
    "\u00e9",
    "\u{1f600}",
  ];
  const text = fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 16 }).map((p) => p.join(""));

  it("ends inline text where marked's own expression does", () => {
    const marked = Lexer.rules.inline.gfm.text;
    fc.assert(
      fc.property(text, (s) => {
        const fast = plainTextLength(s);
        if (fast !== -1) expect(fast, JSON.stringify(s)).toBe(marked.exec(s)?.[0].length ?? 0);
      }),
      { numRuns: 20000 },
    );
  });

  it("says no setext heading or table only where there is none", () => {
    const lexer = Lexer.rules.block.gfm;
    const lines = fc
      .array(
        fc.oneof(
          text,
          fc.constantFrom("===", "---", "  -", "    =", "| - |", "|:-", ":-|-", " | --- |", "", " ", "\t", "- a"),
        ),
        { minLength: 1, maxLength: 6 },
      )
      .map((l) => l.join("\n"));
    fc.assert(
      fc.property(lines, (s) => {
        if (!mayBeSetextHeading(s)) expect(lexer.lheading.exec(s), JSON.stringify(s)).toBeNull();
        if (!mayBeTable(s)) expect(lexer.table.exec(s), JSON.stringify(s)).toBeNull();
      }),
      { numRuns: 5000 },
    );
  });

  it("gives the same tokens and HTML as marked on generated documents", () => {
    const plain = new Marked({ gfm: true, async: false });
    const fast = new Marked({ gfm: true, async: false }).use({ tokenizer: fastTokenizer });
    const line = fc.oneof(
      text,
      fc.constantFrom(
        "# Heading",
        "Title",
        "===",
        "---",
        "- item",
        "1. one",
        "  - nested",
        "| a | b |",
        "| - | - |",
        "|:-|-:|",
        "a | b",
        "```js",
        "```",
        "> quote",
        "    indented",
        "",
        "<div>x</div>",
        "[ref]: /url",
        '[ref] and [l](/x "t")',
        "mail a@b.co or mailto:x@y.z",
        "see http://x.com and www.foo.com (www.bar.org)",
        "*em* __strong__ ~~del~~ `code` a_b_c",
        "&#65; &amp; &#x41;",
        "![img](/i.png) <http://a.b>",
        "line with two spaces  ",
      ),
    );
    const docs = fc
      .tuple(fc.array(line, { minLength: 1, maxLength: 12 }), fc.boolean())
      .map(([lines, crlf]) => lines.join(crlf ? "\r\n" : "\n"));
    fc.assert(
      fc.property(docs, (doc) => {
        expect(fast.lexer(doc), JSON.stringify(doc)).toStrictEqual(plain.lexer(doc));
        expect(fast.parse(doc)).toBe(plain.parse(doc));
      }),
      { numRuns: 3000 },
    );
  });

  it("cuts simple lists as marked does, and leaves it every other shape", () => {
    const plain = new Marked({ gfm: true, async: false });
    const fast = new Marked({ gfm: true, async: false }).use({ tokenizer: fastTokenizer });
    // List lines of every kind and the shapes next to them that change a list: rules, task
    // boxes, wider or missing spaces, Unicode white space, tabs, nesting, lazy continuation.
    const line = fc.constantFrom(
      ...["- a", "- b c  ", "* x", "+ y", "1. one", "2) two", "10. ten", "1234567890. x", "01. z"],
      ...["- - -", "* * *", "_ _ _", "- [ ] t", "- [x] u", "-  two", "- \u00a0", "- \u3000x", "-", "- ", "1."],
      ...["", " ", "  ", "\t", "  cont", "   - d", "    code", "\t- t", "- a\tb", "-\ta"],
      ...["text", "> q", "> - q", "# h", "---", "===", "| a |", "| - |", "```", "<div>", "[r]: /u"],
      ...["- `c`", "- # h", "- > q", "- 1. n", "- <b>x</b>", "- http://a.b", "- *em*", "- \u00e9", "- a  "],
    );
    const docs = fc
      .tuple(fc.array(line, { minLength: 1, maxLength: 10 }), fc.boolean())
      .map(([lines, crlf]) => lines.join(crlf ? "\r\n" : "\n"));
    let cut = 0;
    const lexer = new Lexer({ gfm: true });
    fc.assert(
      fc.property(docs, (doc) => {
        expect(fast.lexer(doc), JSON.stringify(doc)).toStrictEqual(plain.lexer(doc));
        expect(fast.parse(doc)).toBe(plain.parse(doc));
        if (simpleList(doc.replace(/\r\n/g, "\n"), lexer as never)) cut++;
      }),
      { numRuns: 20000 },
    );
    // The shortcut really ran (at the start of a document alone, about one in twenty).
    expect(cut).toBeGreaterThan(500);
  }, 30_000); // a property test of many generated lists: a loaded machine takes longer than the default 5 s

  it("splits table cells as marked does, and leaves it tables with a backslash", () => {
    const plain = new Marked({ gfm: true, async: false });
    const fast = new Marked({ gfm: true, async: false }).use({ tokenizer: fastTokenizer });
    // Rows, delimiter rows of each alignment, and what changes cells: escaped pipes, missing or
    // extra cells, empty cells, outer pipes or none, Unicode white space, inline markup.
    const cell = fc.constantFrom("a", " b ", "", "  ", "`c|d`", "*e*", "\\|", "x\\", "\u00a0", "é", "[l](/x)", "<b>");
    const row = fc
      .tuple(fc.array(cell, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean())
      .map(([cells, lead, trail]) => `${lead ? "| " : ""}${cells.join("|")}${trail ? " |" : ""}`);
    const delimiter = fc
      .tuple(
        fc.array(fc.constantFrom("---", ":--", "--:", ":-:", " - ", "-", "  :---:  "), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
      )
      .map(([cells, outer]) => (outer ? `|${cells.join("|")}|` : cells.join("|")));
    const other = fc.constantFrom("", "text", "- item", "> q", "  ", "# h", "| x |", "a | b");
    const docs = fc
      .tuple(row, delimiter, fc.array(fc.oneof(row, other), { maxLength: 5 }), fc.constantFrom("", "text\n", "\n"))
      .map(([head, delim, rest, before]) => `${before}${[head, delim, ...rest].join("\n")}`);
    let cut = 0;
    fc.assert(
      fc.property(docs, (doc) => {
        expect(fast.lexer(doc), JSON.stringify(doc)).toStrictEqual(plain.lexer(doc));
        expect(fast.parse(doc)).toBe(plain.parse(doc));
        if (tableWithoutEscapes(doc, () => [])) cut++;
      }),
      { numRuns: 10000 },
    );
    // The shortcut really ran (counted at the start of a document alone: a few percent).
    expect(cut).toBeGreaterThan(200);
  });
});

describe("writeText", () => {
  it("replaces a file's content whatever its old length, and makes missing folders", async () => {
    const root = await tempDir("statex-write-");
    const file = path.join(root, "a", "b", "index.html");
    writeText(file, "a long first version of the page");
    expect(await readFile(file, "utf8")).toBe("a long first version of the page");
    writeText(file, "short");
    expect(await readFile(file, "utf8")).toBe("short");
    writeText(file, "Čeština — longer again, with non-ASCII text");
    expect(await readFile(file, "utf8")).toBe("Čeština — longer again, with non-ASCII text");
    const long = `${"\u017e".repeat(200_000)}${"a".repeat(100_000)}`;
    writeText(file, long);
    expect(await readFile(file, "utf8")).toBe(long);
    writeText(file, "");
    expect(await readFile(file, "utf8")).toBe("");
  });

  it("writes as over an old file when a file meant to be new already exists or has no folder", async () => {
    const root = await tempDir("statex-write-");
    const file = path.join(root, "a", "index.html");
    // No folder yet: made, as without `fresh`.
    writeText(file, "the first page with this URL, a long one", true);
    expect(await readFile(file, "utf8")).toBe("the first page with this URL, a long one");
    // Two sources with one URL in a fresh build: the second, shorter, still replaces it whole.
    writeText(file, "second", true);
    expect(await readFile(file, "utf8")).toBe("second");
    writeText(path.join(root, "b.html"), "new", true);
    expect(await readFile(path.join(root, "b.html"), "utf8")).toBe("new");
  });
});

describe("Spool", () => {
  it("keeps every twin, trimmed at the end, across buffer flushes and twins larger than its buffer", async () => {
    const root = await tempDir("statex-spool-");
    const fd = openSpoolFile(path.join(root, "spool"));
    try {
      const spool = new Spool(fd);
      const texts = new Map<string, string>();
      for (let i = 0; i < 600; i++)
        texts.set(`p${i}.md`, `# Page ${i} \u010de\u0161tina\n\n${"text ".repeat(i * 3)}\n \t\n`);
      texts.set("big.md", `${"x".repeat(3 << 20)}\u3000\n`);
      texts.set("empty.md", "  \n");
      const ranges = [];
      let n = 0;
      for (const [file, text] of texts) {
        expect(Buffer.from(spool.add(file, text))).toEqual(Buffer.from(text));
        if (++n % 250 === 0) ranges.push(...spool.flush());
      }
      ranges.push(...spool.flush());
      expect(ranges.map(([file]) => file)).toEqual([...texts.keys()]);
      for (const [file, start, end] of ranges) {
        const bytes = Buffer.alloc(end - start);
        expect(readSync(fd, bytes, 0, bytes.length, start)).toBe(bytes.length);
        expect(bytes.toString("utf8")).toBe(texts.get(file)?.trimEnd());
      }
    } finally {
      closeSync(fd);
    }
    // The name is gone as soon as the file is open.
    expect(await stat(path.join(root, "spool")).catch(() => null)).toBeNull();
  });
});

describe("site build", () => {
  it("reports broken internal links with file and line (warnings; errors when strict), and accepts good ones", async () => {
    const s = await site({
      "index.md": page(
        "Home",
        "See [about](/about/), [the API](/docs), [a twin](/about/index.md), [tags](/tags/), [sign up](/auth/sign-up), [the app](/app/) and [e-mail](/email/verify?t=1).",
      ),
      "about.md": page("About", "Line one.\n\nA [dead link](/nowhere/) and [a draft](/secret/)."),
      "secret.md": page("Secret", "x", "draft: true\n"),
    });
    const broken = [
      { file: "about.md", line: 10, reason: "broken internal link /nowhere/" },
      { file: "about.md", line: 10, reason: "broken internal link /secret/" },
    ];
    const result = await build(s.options);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual(broken);
    const strict = await build({ ...s.options, strict: true });
    expect(strict.errors).toEqual(broken);
    expect(strict.warnings).toEqual([]);
  });

  it("finds sources in nested and linked folders, and skips README.md", async () => {
    const s = await site({
      "index.md": page("Home"),
      "guides/deep/one.md": page("One"),
      "guides/README.md": "Not a page.",
    });
    const outside = path.join(path.dirname(s.contentDir), "outside");
    await mkdir(outside);
    await writeFile(path.join(outside, "two.md"), page("Two"));
    await symlink(outside, path.join(s.contentDir, "linked"));
    const result = await build(s.options);
    // Three content pages and the platform's /problems/.
    expect(result).toMatchObject({ pages: 4, errors: [] });
    expect(await s.exists("guides/deep/one/index.html")).toBe(true);
    expect(await s.exists("linked/two/index.html")).toBe(true);
    expect(await s.exists("guides/README/index.html")).toBe(false);
  });

  it("hashes each source's bytes in the manifest, and an invalid UTF-8 source as its decoded text", async () => {
    const s = await site({ "index.md": page("Home"), "odd.md": page("Odd") });
    const valid = await readFile(path.join(s.contentDir, "index.md"));
    // A stray 0xff byte: decoded as U+FFFD, so the text's UTF-8 differs from the file's bytes.
    await writeFile(path.join(s.contentDir, "odd.md"), Buffer.concat([Buffer.from(page("Odd")), Buffer.from([0xff])]));
    const odd = await readFile(path.join(s.contentDir, "odd.md"), "utf8");
    expect((await build(s.options)).errors).toEqual([]);
    const manifest = JSON.parse(await s.read("_content/manifest.json")) as Manifest;
    const hashOf = (slug: string) => manifest.pages.find((p) => p.slug === slug)?.hash;
    expect(hashOf("home")).toBe(createHash("sha256").update(valid).digest("hex"));
    expect(hashOf("odd")).toBe(createHash("sha256").update(odd).digest("hex"));
  });

  it("leaves drafts out of every output", async () => {
    const s = await site({ "index.md": page("Home"), "secret.md": page("Secret plan", "x", "draft: true\n") });
    const result = await build(s.options);
    // Home and the platform's /problems/.
    expect(result).toMatchObject({ pages: 2, drafts: 1, errors: [] });
    expect(await s.exists("secret/index.html")).toBe(false);
    expect(await s.exists("secret/index.md")).toBe(false);
    for (const f of ["sitemap.xml", "llms.txt", "llms-full.txt", "_content/manifest.json", "atom.xml"]) {
      expect(await s.read(f), f).not.toContain("Secret");
    }
  });

  it("neutralises hostile HTML and URLs in markdown", async () => {
    const hostile = [
      "<script>alert(1)</script>",
      '<img src="x" onerror="alert(2)">',
      '<iframe src="https://evil.example"></iframe>',
      "[click](javascript:alert(3))",
      '<a href="javascript:alert(4)">x</a>',
      "![pixel](data:image/svg+xml;base64,PHN2Zz4=)",
      '<span id="keep" onclick="alert(5)">kept</span>',
      "<style>body{display:none}</style>",
    ].join("\n\n");
    const s = await site({ "index.md": page("Home", hostile) });
    await build(s.options);
    const html = await s.read("index.html");
    const main = html.slice(html.indexOf("<main>"), html.indexOf("</main>"));
    expect(main).not.toMatch(/<script|onerror|onclick|<iframe|javascript:|data:image|<style/i);
    expect(main).toContain('<span id="keep">kept</span>');
  });

  it("gives every page a markdown twin and an llms.txt entry, and writes valid XML", async () => {
    const s = await site({
      "index.md": page("Home"),
      "about.md": page("About & more", "Text with <angle> & ampersand."),
      "articles/one.md": page("One", "x", "date: 2026-11-01\ntags: [news]\n"),
      "cs/index.md": page("Úvod"),
      "cs/about.md": page("O nás"),
    });
    const result = await build(s.options);
    expect(result.errors).toEqual([]);
    const manifest = JSON.parse(await s.read("_content/manifest.json")) as { pages: { url: string; twin: string }[] };
    const llms = await s.read("llms.txt");
    expect(llms).toMatch(/^# StateX\n\n> .+\n/);
    for (const p of manifest.pages) {
      expect(await s.exists(`${p.url}index.html`), p.url).toBe(true);
      expect(await s.exists(p.twin), p.twin).toBe(true);
      expect(llms).toContain(`(https://statex.example${p.twin})`);
    }
    for (const f of ["sitemap.xml", "atom.xml", "rss.xml", "cs/atom.xml", "cs/rss.xml"]) {
      expect(XMLValidator.validate(await s.read(f)), f).toBe(true);
    }
    const sitemap = await s.read("sitemap.xml");
    expect(sitemap).toContain(
      '<url><loc>https://statex.example/about/</loc><xhtml:link rel="alternate" hreflang="en" href="https://statex.example/about/"/><xhtml:link rel="alternate" hreflang="cs" href="https://statex.example/cs/about/"/></url>',
    );
    expect(await s.read("articles/index.html")).toContain('href="/articles/one/"');
    expect(await s.read("tags/news/index.html")).toContain('href="/articles/one/"');
    expect(await s.read("llms-full.txt")).toContain("Text with <angle> & ampersand.");
  });

  it("rebuilds only the changed page incrementally, and removes deleted pages", async () => {
    const files: Record<string, string> = { "index.md": page("Home") };
    for (let i = 0; i < 20; i++) files[`articles/a${i}.md`] = page(`Article ${i}`, "x", "date: 2026-01-01\n");
    const s = await site(files);
    // 21 content pages and the platform's /problems/.
    expect((await build(s.options)).rendered).toBe(22);

    const file = path.join(s.contentDir, "articles/a3.md");
    await writeFile(file, page("Article three, renamed", "x", "date: 2026-01-01\n"));
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    const second = await build({ ...s.options, incremental: true });
    expect(second.rendered).toBe(1);
    expect(await s.read("articles/a3/index.html")).toContain("Article three, renamed");
    expect(await s.read("articles/index.html")).toContain("Article three, renamed");

    await rm(path.join(s.contentDir, "articles/a4.md"));
    const third = await build({ ...s.options, incremental: true });
    expect(third).toMatchObject({ rendered: 0, pages: 21 });
    expect(await s.exists("articles/a4/index.html")).toBe(false);
    expect(await s.read("llms.txt")).not.toContain("Article 4");

    // llms-full.txt, stitched from the previous file's unchanged stretches and the changed
    // page, is byte for byte what a full build writes.
    await writeFile(file, page("Article three, again", "Changed body ✓ \u00a0", "date: 2026-01-01\n"));
    await utimes(file, new Date(), new Date(Date.now() + 10000));
    await writeFile(path.join(s.contentDir, "articles/b0.md"), page("A new one", "y", "date: 2026-01-02\n"));
    const fourth = await build({ ...s.options, incremental: true });
    expect(fourth).toMatchObject({ rendered: 2, pages: 22 });
    const stitched = await s.read("llms-full.txt");
    expect(stitched).toContain("Changed body ✓");
    expect(stitched).not.toContain("Article three, renamed");
    await build(s.options);
    expect(await s.read("llms-full.txt")).toBe(stitched);
  });

  it("leaves the output of a warm --watch session's builds byte for byte as a full build's, edit after edit", async () => {
    const files: Record<string, string> = { "index.md": page("Home"), "about.md": "# About us\n\nWho we are.\n" };
    for (let i = 0; i < 30; i++)
      files[`articles/a${i}.md`] = page(
        `Article ${i}`,
        `Body ${i}.`,
        `date: 2026-01-${String((i % 28) + 1).padStart(2, "0")}\ntags: [t${i % 3}]\n`,
      );
    const s = await site(files);
    const session: Session = {};
    await build({ ...s.options, incremental: true }, session);
    const full = { ...s.options, outDir: path.join(s.root, "full") };
    /** Every file of an output folder; the manifest without its build time. */
    const snapshot = async (dir: string) => {
      const out: Record<string, string> = {};
      for (const f of (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile())) {
        const rel = path.relative(dir, path.join(f.parentPath, f.name));
        const text = await readFile(path.join(dir, rel), "utf8");
        out[rel] = rel.endsWith("manifest.json") ? text.replace(/"builtAt":"[^"]*"/, "") : text;
      }
      return out;
    };
    let tick = 0;
    const edit = async (file: string, text: string | null) => {
      const at = path.join(s.contentDir, file);
      if (text === null) await rm(at);
      else {
        await mkdir(path.dirname(at), { recursive: true });
        await writeFile(at, text);
        await utimes(at, new Date(), new Date(Date.now() + 5000 * ++tick));
      }
      session.changed = new Set([file]);
      const warm = await build({ ...s.options, incremental: true }, session);
      await rm(full.outDir, { recursive: true, force: true });
      await build(full);
      expect(await snapshot(s.options.outDir)).toEqual(await snapshot(full.outDir));
      return warm;
    };
    // The text alone: one page rendered, no listing, tag page or feed written again.
    expect(
      (await edit("articles/a5.md", page("Article 5", "A new body.", "date: 2026-01-06\ntags: [t2]\n"))).rendered,
    ).toBe(1);
    // What listings show: the title, the date (the order), the tags (a tag's pages and the index).
    await edit("articles/a7.md", page("Article seven", "Body 7.", "date: 2026-01-08\ntags: [t1]\n"));
    await edit("articles/a8.md", page("Article 8", "Body 8.", "date: 2025-12-31\ntags: [t2]\n"));
    await edit("articles/a9.md", page("Article 9", "Body 9.", "date: 2026-01-10\ntags: [t0, fresh]\n"));
    await edit("articles/a9.md", page("Article 9", "Body 9.", "date: 2026-01-10\ntags: [t0]\n"));
    // A page without front matter, the navigation's own pages, a new page, a deleted one.
    await edit("about.md", "# About the company\n\nWho we are, and since when.\n");
    await edit("articles/new.md", page("A new one", "New.", "date: 2026-02-01\n"));
    await edit("articles/a1.md", null);
    await edit("articles/a2.md", page("Article 2", "Body 2.", "date: 2026-01-03\ntags: [t2]\ndraft: true\n"));
  });

  it("removes stale outputs when rebuilding in place: a retired tag, a deleted page, an old asset", async () => {
    const s = await site({
      "index.md": page("Home"),
      "a.md": page("A", "x", "tags: [old]\n"),
      "b.md": page("B"),
    });
    await build(s.options);
    expect(await s.exists("tags/old/index.html")).toBe(true);
    const file = path.join(s.contentDir, "a.md");
    await writeFile(file, page("A", "x", "tags: [new]\n"));
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    await build({ ...s.options, incremental: true });
    expect(await s.exists("tags/old/index.html")).toBe(false);
    expect(await s.exists("tags/new/index.html")).toBe(true);

    // A full (not incremental) build also overwrites in place and cleans up after itself.
    await rm(path.join(s.contentDir, "b.md"));
    await writeFile(path.join(s.options.outDir, "assets", "site.0123456789.css"), "stale");
    await build(s.options);
    expect(await s.exists("b/index.html")).toBe(false);
    expect(await s.exists("b/index.md")).toBe(false);
    expect(await s.exists("assets/site.0123456789.css")).toBe(false);
    expect(await s.exists("a/index.html")).toBe(true);
  });

  it("renders the same site in worker threads as in one thread", async () => {
    const files: Record<string, string> = { "index.md": page("Home") };
    for (let i = 0; i < 90; i++) {
      files[`articles/p${i}.md`] = page(
        `Page ${i}`,
        "```ts\nconst x = 1;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        `date: 2026-02-${String((i % 28) + 1).padStart(2, "0")}\n`,
      );
    }
    // A bad page late in the list, so whichever thread renders it must report it.
    files["articles/zz-bad.md"] = "---\ntitle: Bad\n---\nNo description.";
    const s = await site(files);
    const one = await build(s.options);
    const single = await s.read("articles/p42/index.html");
    // Two workers beside the main thread: one for each 30 pages (1,000 by default).
    const threaded = await build({ ...s.options, threads: 3, pagesPerThread: 30 });
    // 91 content pages (one of them bad) and the platform's /problems/.
    expect(threaded).toMatchObject({ pages: 92, rendered: 92, threads: 3 });
    expect(threaded.errors).toEqual([{ file: "articles/zz-bad.md", line: 1, reason: "description is required" }]);
    expect(threaded.errors).toEqual(one.errors);
    expect(threaded.buildId).toBe(one.buildId);
    expect(await s.read("articles/p42/index.html")).toBe(single);
    expect(single).toContain('<span class="hl-kwd">const</span>');
  });

  it("builds the real content with no errors, every English page paired with Czech", async () => {
    const root = path.resolve(import.meta.dirname, "..");
    const outDir = await tempDir("statex-real-");
    const result = await build({ contentDir: path.join(root, "content"), outDir, quiet: true, threads: 1 });
    expect(result.errors).toEqual([]);
    expect(result.pages).toBeGreaterThanOrEqual(15);
    const manifest = JSON.parse(await readFile(path.join(outDir, "_content/manifest.json"), "utf8")) as {
      pages: { locale: string; slug: string }[];
    };
    const cs = new Set(manifest.pages.filter((p) => p.locale === "cs").map((p) => p.slug));
    const missing = manifest.pages.filter((p) => p.locale === "en" && p.slug !== "problems" && !cs.has(p.slug));
    expect(missing).toEqual([]);
  });
});
