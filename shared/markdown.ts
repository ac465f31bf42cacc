import { Marked } from "marked";

export { escapeHtml } from "./html";

import type * as Xss from "xss";
import xssModule from "xss";

// `xss` is CommonJS with exports assigned in a loop, which bundlers cannot see as named
// exports; take them from the module object.
const { FilterXSS, getDefaultWhiteList, safeAttrValue } = xssModule as unknown as typeof Xss;

const marked = new Marked({ gfm: true, breaks: false, async: false });

const whiteList = getDefaultWhiteList();
// Tables from GFM keep their alignment; nothing else gains attributes.
for (const tag of ["th", "td"] as const) whiteList[tag] = ["align"];

const sanitizer = new FilterXSS({
  whiteList,
  stripIgnoreTag: true,
  stripIgnoreTagBody: ["script", "style", "iframe", "object", "embed", "template"],
  // `xss` already drops javascript:/vbscript: URLs; also drop data: URLs outright.
  safeAttrValue(tag, name, value, cssFilter) {
    if ((name === "href" || name === "src") && /^\s*data:/i.test(value)) return "";
    return safeAttrValue(tag, name, value, cssFilter);
  },
});

/**
 * Markdown to HTML that is safe to show: AI output and user text can hold raw HTML, so the
 * rendered HTML goes through an allow-list sanitizer (no scripts, handlers, frames, or
 * javascript:/data: URLs).
 */
export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown) as string;
  return sanitizer.process(html);
}
