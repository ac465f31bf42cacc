/**
 * A content page's markdown twin cut into passages, the unit retrieval finds and answers cite:
 * the opening before the first `##`/`###` heading, then one passage per such heading. Anchors
 * are the ones the site gives its headings — taken from `renderPage` itself (`shared/markdown.ts`),
 * so duplicate headings get the same `-1`, `-2` suffixes and a `#` line inside a fenced code
 * block is never mistaken for a heading (marked's lexer decides what a heading is, as it does
 * for the site). Pure and bounded: a long section is split at paragraph boundaries into pieces
 * of at most ~`MAX_PASSAGE_CHARS` (an over-long paragraph at a line break or a space), each keeping its section's anchor (ids `…#anchor~2`, `~3`).
 * `plain` is the text folded for the index (link syntax, emphasis, table pipes dropped); `text`
 * stays the readable markdown.
 */
import { Lexer, type Token } from "marked";
import { renderPage } from "../markdown";

/** The longest passage text, in characters (a single over-long paragraph is cut hard). */
export const MAX_PASSAGE_CHARS = 1_500;

/** The page a passage belongs to, as ingestion knows it. */
export interface PassagePage {
  locale: string;
  slug: string;
  /** Site-relative URL of the page (`/services/web/`). */
  url: string;
  title: string;
  markdown: string;
}

/** One passage as it is stored in `content_passages`. */
export interface Passage {
  id: string;
  locale: string;
  slug: string;
  /** The heading's id on the site, `""` for the opening. */
  anchor: string;
  /** Position in the page, from 0. */
  seq: number;
  /** Which piece of its section, from 1. */
  piece: number;
  title: string;
  section: string | null;
  url: string;
  /** Readable markdown. */
  text: string;
  /** The same text as plain words, for the full-text index and embeddings. */
  plain: string;
}

/** Markdown noise folded to plain text: what is indexed, never what is shown. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/!\[([^\]\n]*)\]\([^)\n]*\)/g, "$1")
    .replace(/\[([^\]\n]*)\]\([^)\n]*\)/g, "$1")
    .replace(/\[([^\]\n]*)\]\[[^\]\n]*\]/g, "$1")
    .replace(/<[^>\n]*>/g, " ")
    .replace(/^\s{0,3}(?:#{1,6}|>+|[-*+]|\d+[.)])\s+/gm, "")
    .replace(/^\s*\|?[\s:|-]*-[\s:|-]*\|?\s*$/gm, "")
    .replace(/[*_`~]+/g, "")
    .replace(/\|/g, " ")
    .replace(/[ \t]+/g, " ")
    .replace(/^ | $/gm, "")
    .replace(/\n{2,}/g, "\n")
    .trim();
}

/** Pieces of at most `max` chars, cut at blank lines (a paragraph longer than `max` is cut hard). */
export function splitParagraphs(text: string, max = MAX_PASSAGE_CHARS): string[] {
  const pieces: string[] = [];
  let current = "";
  for (const para of text.split(/\n[ \t]*\n/)) {
    const p = para.trim();
    if (p === "") continue;
    const chunks: string[] = [];
    // An over-long paragraph (a long list, a table) is cut at its last line break, else its
    // last space, in the second half of the window: a piece never starts mid-word unless one
    // word fills the window. Each window is read once, so the cost stays linear.
    let start = 0;
    while (p.length - start > max) {
      const window = p.slice(start, start + max);
      const line = window.lastIndexOf("\n");
      const space = window.lastIndexOf(" ");
      const cut = line > max / 2 ? line : space > max / 2 ? space : max;
      chunks.push(window.slice(0, cut).trimEnd());
      start += cut < max ? cut + 1 : cut;
    }
    chunks.push(p.slice(start));
    for (const chunk of chunks) {
      if (current === "") current = chunk;
      else if (current.length + 2 + chunk.length <= max) current = `${current}\n\n${chunk}`;
      else {
        pieces.push(current);
        current = chunk;
      }
    }
  }
  if (current !== "") pieces.push(current);
  return pieces;
}

/** Heading tokens in document order, nested ones included (they take ids on the site too). */
function headingTokens(tokens: Token[], out: Token[] = []): Token[] {
  for (const t of tokens) {
    if (t.type === "heading") out.push(t);
    const nested = (t as { tokens?: Token[] }).tokens;
    if (nested && t.type !== "heading" && t.type !== "paragraph" && t.type !== "text") headingTokens(nested, out);
    const items = (t as { items?: { tokens?: Token[] }[] }).items;
    if (items) for (const item of items) if (item.tokens) headingTokens(item.tokens, out);
  }
  return out;
}

/** A passage's id: `<locale>:<slug>#<anchor>`, `~<piece>` after the first piece of a section. */
export const passageId = (p: { locale: string; slug: string; anchor: string; piece: number }) =>
  `${p.locale}:${p.slug}#${p.anchor}${p.piece > 1 ? `~${p.piece}` : ""}`;

/** The page's passages, in order. */
export function pagePassages(page: PassagePage): Passage[] {
  const tokens = Lexer.lex(page.markdown, { gfm: true });
  const ids = renderPage(page.markdown).headings.map((h) => h.id);
  const idOf = new Map(headingTokens(tokens).map((t, i) => [t, ids[i] ?? ""]));

  const sections: { anchor: string; section: string | null; body: string }[] = [
    { anchor: "", section: null, body: "" },
  ];
  for (const t of tokens) {
    const heading = t as Token & { depth?: number; text?: string };
    if (t.type === "heading" && (heading.depth === 2 || heading.depth === 3)) {
      sections.push({ anchor: idOf.get(t) ?? "", section: plainText(heading.text ?? "").trim(), body: "" });
      continue;
    }
    // The page's own `# Title` is the passage's title already.
    if (t.type === "heading" && heading.depth === 1) continue;
    const last = sections[sections.length - 1];
    if (last) last.body += t.raw;
  }

  const out: Passage[] = [];
  for (const s of sections) {
    const pieces = splitParagraphs(s.body);
    if (pieces.length === 0 && s.section === null) continue;
    // A heading with nothing under it still names a place a reader can be sent to.
    const texts = pieces.length ? pieces : [""];
    texts.forEach((text, i) => {
      out.push({
        id: passageId({ locale: page.locale, slug: page.slug, anchor: s.anchor, piece: i + 1 }),
        locale: page.locale,
        slug: page.slug,
        anchor: s.anchor,
        seq: out.length,
        piece: i + 1,
        title: page.title,
        section: s.section,
        url: s.anchor ? `${page.url}#${s.anchor}` : page.url,
        text,
        plain: plainText(text),
      });
    });
  }
  return out;
}
