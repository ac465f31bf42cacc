/**
 * Markdown to HTML for the site: GitHub-flavoured markdown, ids on headings, highlighted code,
 * and safe output. marked escapes text itself; what it passes through untouched is raw HTML and
 * link targets, so only those are filtered: raw HTML through an allow-list sanitizer, and
 * `javascript:`/`data:`/`vbscript:` URLs dropped. Sanitizing raw tokens alone (rare) instead of
 * every page's whole output keeps safety from costing the build its speed.
 */
import { Marked, type Tokens } from "marked";
import type * as Xss from "xss";
import xssModule from "xss";
import { escapeHtml } from "./escape.ts";
import { fastTokenizer } from "./fast-lexing.ts";
import { highlight, languageOf } from "./highlight.ts";

const { FilterXSS, getDefaultWhiteList } = xssModule as unknown as typeof Xss;

const whiteList = getDefaultWhiteList();
// Anchors in tables (`<span id="…">`) and disclosure widgets are the raw HTML pages use.
for (const tag of ["span", "div", "p", "section"] as const) whiteList[tag] = ["id", "class"];
whiteList.details = ["open"];
whiteList.summary = [];
whiteList.a = ["href", "title", "id"];

const UNSAFE_URL = /^\s*(?:javascript|vbscript|data):/i;

const sanitizer = new FilterXSS({
  whiteList,
  stripIgnoreTag: true,
  stripIgnoreTagBody: ["script", "style", "iframe", "object", "embed", "template", "noscript"],
  safeAttrValue(_tag, name, value) {
    if ((name === "href" || name === "src") && UNSAFE_URL.test(value)) return "";
    return escapeHtml(value);
  },
});

/** A heading of the page, for the table of contents and search. */
export interface Heading {
  depth: number;
  text: string;
  id: string;
}

/** What rendering a page found besides its HTML. */
export interface RenderResult {
  html: string;
  headings: Heading[];
  /** Link targets as written (internal and external), in order. */
  links: string[];
}

const PLAIN = /^[\w \t\n-]*$/;

/** GitHub-style heading id: lower case, punctuation dropped, spaces to `-`. */
export function slugify(text: string): string {
  // Plain ASCII words (most headings): nothing for the full pipeline below to remove.
  if (PLAIN.test(text)) return text.toLowerCase().trim().replace(/\s+/g, "-");
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/<[^>]*>/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s+/g, "-");
}

// Per-render state; rendering is synchronous, so one module-level context is enough.
let ctx: { headings: Heading[]; links: string[]; ids: Map<string, number> } = {
  headings: [],
  links: [],
  ids: new Map(),
};

function safeHref(href: string): string | null {
  return UNSAFE_URL.test(href) ? null : href;
}

const marked = new Marked({ gfm: true, async: false });
marked.use({
  // Same tokens as marked's own tokenizers, found with less work (see fast-lexing.ts).
  tokenizer: fastTokenizer,
  renderer: {
    heading({ tokens, depth }: Tokens.Heading) {
      const inner = this.parser.parseInline(tokens);
      const plain = /[<&]/.test(inner) ? inner.replace(/<[^>]*>/g, "").replace(/&[#\w]+;/g, "") : inner;
      let id = slugify(plain) || "section";
      const seen = ctx.ids.get(id);
      ctx.ids.set(id, (seen ?? 0) + 1);
      if (seen !== undefined) id = `${id}-${seen}`;
      ctx.headings.push({ depth, text: plain, id });
      return `<h${depth} id="${id}"><a class="anchor" href="#${id}" aria-hidden="true">#</a>${inner}</h${depth}>\n`;
    },
    code({ text, lang }: Tokens.Code) {
      const language = languageOf(lang);
      const cls = language ? ` class="language-${language}"` : "";
      return `<pre><code${cls}>${highlight(text.replace(/\n$/, ""), language)}</code></pre>\n`;
    },
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return sanitizer.process(text);
    },
    link({ href, title, tokens }: Tokens.Link) {
      const inner = this.parser.parseInline(tokens);
      const safe = safeHref(href);
      if (safe === null) return inner;
      ctx.links.push(safe);
      const t = title ? ` title="${escapeHtml(title)}"` : "";
      const external = /^https?:\/\//i.test(safe) ? ' rel="noopener"' : "";
      return `<a href="${escapeHtml(safe)}"${t}${external}>${inner}</a>`;
    },
    image({ href, title, text }: Tokens.Image) {
      const safe = safeHref(href);
      if (safe === null) return escapeHtml(text);
      const t = title ? ` title="${escapeHtml(title)}"` : "";
      return `<img src="${escapeHtml(safe)}" alt="${escapeHtml(text)}"${t} loading="lazy">`;
    },
  },
});

/** Renders one page's markdown. */
export function renderMarkdown(markdown: string): RenderResult {
  ctx = { headings: [], links: [], ids: new Map() };
  const html = marked.parse(markdown) as string;
  return { html, headings: ctx.headings, links: ctx.links };
}
