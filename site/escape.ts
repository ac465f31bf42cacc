const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const SPECIAL = /[&<>"']/;
const SPECIAL_G = /[&<>"']/g;

/**
 * The build's HTML escape: same output as `shared/html.ts`'s `escapeHtml`, but one pass and a
 * fast path for the common case of nothing to escape — it runs once per highlighted token and
 * per attribute, tens of times a page.
 */
export function escapeHtml(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIAL_G, (ch) => ESCAPES[ch] as string) : text;
}
