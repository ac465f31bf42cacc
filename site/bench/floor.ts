/**
 * The floor of the benchmark: the least a markdown site build can do. One thread reads each
 * page, splits off the front matter with a regular expression, renders with marked (GFM),
 * puts the HTML in a trivial template and writes it. No highlighting, no sanitizing, no
 * listings, feeds or twins.
 *
 *   node site/bench/floor.ts <content-dir> <out-dir>
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Marked } from "marked";

const [contentDir = "content", outDir = "out"] = process.argv.slice(2);
const marked = new Marked({ gfm: true, async: false });
const files = (readdirSync(contentDir, { recursive: true }) as string[]).filter((f) => f.endsWith(".md"));
for (const file of files) {
  const source = readFileSync(path.join(contentDir, file), "utf8");
  const m = /^---\n([\s\S]*?)\n---\n/.exec(source);
  const title = m ? (/^title:\s*"?(.*?)"?$/m.exec(m[1] ?? "")?.[1] ?? file) : file;
  const html = marked.parse(m ? source.slice(m[0].length) : source) as string;
  const dir = path.join(outDir, file.replace(/(\/?index)?\.md$/, ""));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "index.html"),
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${html}</body></html>`,
  );
}
