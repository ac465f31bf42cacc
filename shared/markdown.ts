/**
 * Markdown to safe HTML, the one renderer of the platform: GitHub-flavoured markdown through
 * marked, raw HTML through one allow-list sanitizer, with two profiles that differ only where
 * defined below. `renderMarkdown` is the portal's, mail's and content API's (AI output and user
 * text: the whole rendered HTML is sanitized). `renderPage` is the site build's (our own
 * content: ids on headings, highlighted code, and — since marked escapes text itself and passes
 * only raw HTML and link targets through — only raw HTML sanitized and unsafe link targets
 * dropped, which keeps safety from costing the build its speed; see `markdown/fast-lexing.ts`).
 */
import { Marked, type Tokens } from "marked";
import type * as Xss from "xss";
import xssModule from "xss";
import { escapeHtml } from "./html";
import { fastTokenizer } from "./markdown/fast-lexing";
import { highlight, languageOf } from "./markdown/highlight";

export { escapeHtml } from "./html";

// `xss` is CommonJS with exports assigned in a loop, which bundlers cannot see as named
// exports; take them from the module object.
const { FilterXSS, getDefaultWhiteList, safeAttrValue } = xssModule as unknown as typeof Xss;

/** Elements whose content goes with them, in both profiles. */
const DROPPED = ["script", "style", "iframe", "object", "embed", "template"];

/** URLs no link or image keeps. (`xss` drops javascript:/vbscript: itself in the portal profile.) */
const UNSAFE_URL = /^\s*(?:javascript|vbscript|data):/i;
const DATA_URL = /^\s*data:/i;

/**
 * The allow-list: `xss`'s default elements and attributes, plus per profile
 * - portal: GFM tables keep their alignment; nothing else gains attributes;
 * - site: anchors in tables (`<span id="…">`) and disclosure widgets, the raw HTML pages use.
 */
function allowList(profile: "portal" | "site"): Xss.IWhiteList {
  const list = getDefaultWhiteList();
  if (profile === "portal") {
    for (const tag of ["th", "td"] as const) list[tag] = ["align"];
    return list;
  }
  for (const tag of ["span", "div", "p", "section"] as const) list[tag] = ["id", "class"];
  list.details = ["open"];
  list.summary = [];
  list.a = ["href", "title", "id"];
  return list;
}

const portalSanitizer = new FilterXSS({
  whiteList: allowList("portal"),
  stripIgnoreTag: true,
  stripIgnoreTagBody: DROPPED,
  // `xss`'s own attribute filter, and data: URLs dropped outright.
  safeAttrValue(tag, name, value, cssFilter) {
    if ((name === "href" || name === "src") && DATA_URL.test(value)) return "";
    return safeAttrValue(tag, name, value, cssFilter);
  },
});

const portalMarked = new Marked({ gfm: true, breaks: false, async: false });

/**
 * Markdown to HTML that is safe to show: AI output and user text can hold raw HTML, so the
 * rendered HTML goes through the allow-list sanitizer (no scripts, handlers, frames, or
 * javascript:/data: URLs).
 */
export function renderMarkdown(markdown: string): string {
  const html = portalMarked.parse(markdown) as string;
  return portalSanitizer.process(html);
}

/** A heading of the page, for the table of contents and search. */
export interface Heading {
  depth: number;
  text: string;
  id: string;
}

/** What rendering a site page found besides its HTML. */
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

/**
 * The site profile's sanitizer and marked, made on first use: the Worker never renders a site
 * page. Raw HTML keeps its attributes' values as written, escaped, unless it is an unsafe URL.
 */
function siteMarked(): Marked {
  const sanitizer = new FilterXSS({
    whiteList: allowList("site"),
    stripIgnoreTag: true,
    stripIgnoreTagBody: [...DROPPED, "noscript"],
    safeAttrValue(_tag, name, value) {
      if ((name === "href" || name === "src") && UNSAFE_URL.test(value)) return "";
      return escapeHtml(value);
    },
  });
  const marked = new Marked({ gfm: true, async: false });
  marked.use({
    // Same tokens as marked's own tokenizers, found with less work (see markdown/fast-lexing.ts).
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
  return marked;
}

let site: Marked | undefined;

/** Renders one site page's markdown: its HTML, headings and link targets. */
export function renderPage(markdown: string): RenderResult {
  site ??= siteMarked();
  ctx = { headings: [], links: [], ids: new Map() };
  const html = site.parse(markdown) as string;
  return { html, headings: ctx.headings, links: ctx.links };
}
