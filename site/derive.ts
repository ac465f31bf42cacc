/**
 * What a page without front matter gets from its own text, so a company can drop in plain
 * markdown: the title from its first `#` heading (else the file name, humanised), the
 * description from its first paragraph (plain text, at most 300 characters, cut at a word
 * boundary). Bounded on hostile input: lines are scanned once, and only the first heading and
 * the first paragraph's first few thousand characters are looked at closely.
 */
import type { FrontMatter } from "./frontmatter.ts";

/** Longest title (the front matter schema's limit) and description derived. */
const TITLE_MAX = 160;
const DESCRIPTION_MAX = 300;
/** Characters of a paragraph (or heading) read before cleaning; the rest cannot matter. */
const READ_MAX = 4000;

/** `web-development` → "Web development"; a folder's `index.md` is named by its folder. */
export function humanise(file: string): string {
  const parts = file.replace(/\.md$/, "").split("/");
  const name = (parts.at(-1) === "index" ? parts.at(-2) : parts.at(-1)) ?? "";
  const words = name.replace(/[-_]+/g, " ").trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : "";
}

/** Markdown inline syntax to plain text: images dropped, links to their text, marks removed. */
export function plainText(markdown: string): string {
  return markdown
    .slice(0, READ_MAX)
    .replace(/!\[[^\]]*\]\([^)]*\)/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, "$1")
    .replace(/<[^>]*>/g, "")
    .replace(/[*_`~]+/g, "")
    .replace(/\\(.)/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

/** At most `max` characters, cut at a word boundary with "…" when cut. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max - 1);
  const space = head.lastIndexOf(" ");
  return `${(space > max / 2 ? head.slice(0, space) : head).replace(/[\s,;:.–—-]+$/, "")}…`;
}

/** A line that starts something other than a paragraph (heading, list, quote, fence, table, HTML). */
const NOT_PROSE = /^\s*(#|>|[-*+]\s|\d+[.)]\s|```|~~~|\||<|!\[|---|===|\*\*\*)/;

/** The first `# ` heading's text and the first paragraph's, each bounded. */
function scan(body: string): { heading: string | null; paragraph: string | null } {
  let heading: string | null = null;
  let paragraph: string | null = null;
  let fenced = false;
  let para: string[] = [];
  let paraLength = 0;
  for (let pos = 0; pos <= body.length && (heading === null || paragraph === null); ) {
    let end = body.indexOf("\n", pos);
    if (end === -1) end = body.length;
    // Only the start of a very long line is read.
    const line = body.slice(pos, Math.min(end, pos + READ_MAX));
    pos = end + 1;
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const blank = line.trim() === "";
    if (para.length && (blank || NOT_PROSE.test(line))) {
      paragraph ??= para.join(" ");
      para = [];
    }
    if (heading === null && /^# /.test(line)) heading = line.slice(2).replace(/\s+#+\s*$/, "");
    if (!blank && !NOT_PROSE.test(line) && paragraph === null && paraLength < READ_MAX) {
      para.push(line);
      paraLength += line.length;
    }
    if (end === body.length) break;
  }
  if (para.length) paragraph ??= para.join(" ");
  return { heading, paragraph };
}

/**
 * Front matter for a page that has none: derived title and description, undated (`updated`
 * only), and whether the body has its own `# ` heading (else the page is given one).
 */
export function derivedMeta(
  body: string,
  file: string,
  fallbackTitle: string,
  updated?: string,
): { meta: FrontMatter; heading: boolean } {
  const { heading, paragraph } = scan(body);
  const title = cut((heading === null ? "" : plainText(heading)) || humanise(file) || fallbackTitle, TITLE_MAX);
  const description = cut((paragraph === null ? "" : plainText(paragraph)) || title, DESCRIPTION_MAX);
  const meta: FrontMatter = { title, description, tags: [], draft: false, ...(updated ? { updated } : {}) };
  return { meta, heading: heading !== null };
}
