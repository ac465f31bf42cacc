/**
 * Builds `content/**\/*.md` into static files under `dist/site/` that the Worker serves as
 * static assets: an HTML page and a markdown twin (`index.md`) per page, and `404.html`.
 * Run with `npm run site:build`. (Issue #8 grows this into the full content site.)
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import matter from "gray-matter";
import { Marked } from "marked";
import { escapeHtml } from "../shared/html.ts";

const root = path.resolve(import.meta.dirname, "..");
const contentDir = path.join(root, "content");
const outDir = path.join(root, "dist", "site");
const marked = new Marked({ gfm: true });

function page(title: string, description: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<meta name="description" content="${escapeHtml(description)}">
<style>
body{margin:0;font:16px/1.6 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;background:#fafbfc}
header,main,footer{max-width:46rem;margin:0 auto;padding:1rem 1.25rem}
header a{font-weight:700;text-decoration:none;color:inherit}
pre{background:#f0f2f5;padding:.75rem 1rem;overflow:auto;border-radius:6px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.92em}
table{border-collapse:collapse}td,th{border:1px solid #d9dde2;padding:.3rem .6rem;text-align:left}
footer{color:#5b6470;font-size:.9rem}
</style>
</head>
<body>
<header><a href="/">StateX</a></header>
<main>
${body}
</main>
<footer>StateX Edge · <a href="/docs">API</a> · <a href="/openapi.json">OpenAPI</a></footer>
</body>
</html>
`;
}

async function markdownFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? markdownFiles(path.join(dir, e.name)) : e.name.endsWith(".md") ? [path.join(dir, e.name)] : [],
    ),
  );
  return nested.flat();
}

async function build(): Promise<void> {
  const started = performance.now();
  await rm(outDir, { recursive: true, force: true });
  const files = await markdownFiles(contentDir);
  for (const file of files) {
    const rel = path.relative(contentDir, file);
    const { data, content } = matter(await readFile(file, "utf8"));
    const title = typeof data.title === "string" ? data.title : path.basename(rel, ".md");
    const description = typeof data.description === "string" ? data.description : "";
    const slugDir = rel === "index.md" ? "" : rel.replace(/(\/index)?\.md$/, "");
    const target = path.join(outDir, slugDir);
    await mkdir(target, { recursive: true });
    await writeFile(path.join(target, "index.html"), page(title, description, await marked.parse(content)));
    await writeFile(path.join(target, "index.md"), content.trimStart());
  }
  await writeFile(
    path.join(outDir, "404.html"),
    page(
      "Not found — StateX",
      "",
      '<h1>Not found</h1><p>There is no page here. Go to the <a href="/">home page</a>.</p>',
    ),
  );
  const ms = Math.round(performance.now() - started);
  console.log(`site: ${files.length} pages → ${path.relative(root, outDir)}/ in ${ms} ms`);
}

await build();
