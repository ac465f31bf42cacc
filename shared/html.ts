/**
 * HTML escaping, one implementation for the Worker (portal, mail, search snippets) and the
 * site build. It runs once per highlighted token and per attribute in the build, tens of times
 * a page, so it is one pass with a fast path for the common case of nothing to escape.
 */

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const SPECIAL = /[&<>"']/;
const SPECIAL_G = /[&<>"']/g;

/** Escapes text for an HTML text node or a quoted attribute (`& < > " '`). */
export function escapeHtml(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIAL_G, (ch) => ESCAPES[ch] as string) : text;
}
