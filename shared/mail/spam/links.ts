/**
 * The links of a message, for the spam rules: every `href` of its HTML with the text shown
 * for it (and the HTML's visible text), else the URLs written in its text. Hostile input, so the cost is bounded twice: the
 * caller passes text and HTML already cut to the scan limits (`score.ts`), and at most
 * `MAX_LINKS` links (each shown text at most `MAX_SHOWN_CHARS`) are kept. HTML is read by
 * htmlparser2's streaming parser (linear in its input) after `limitHtmlDepth`, which keeps the
 * parser's stack of open elements, and so its cost per tag, bounded.
 */
import { Parser } from "htmlparser2";
import { limitHtmlDepth } from "../../html-depth";

export interface Link {
  href: string;
  /** The host of `href`, lower case; "" when it is not an http(s) URL. */
  host: string;
  /** What the reader sees for it (the anchor's text), when it came from HTML. */
  shown: string | null;
}

export const MAX_LINKS = 200;
const MAX_SHOWN_CHARS = 200;

function hostOf(href: string): string {
  if (!/^https?:\/\//i.test(href)) return "";
  try {
    return new URL(href).hostname.toLowerCase().replace(/\.$/, "");
  } catch {
    return "";
  }
}

/** Elements whose content a reader never sees. */
const HIDDEN = new Set(["script", "style", "head", "title"]);

/**
 * The anchors of `html` (href and shown text, in order) and its visible text, at most
 * `maxText` characters: spam often puts a harmless text alternative beside the HTML it means.
 */
export function readHtml(html: string, maxText: number): { links: Link[]; text: string } {
  const links: Link[] = [];
  const texts: string[] = [];
  let textLength = 0;
  let hidden = 0;
  let open: { href: string; shown: string } | null = null;
  const close = () => {
    if (open && links.length < MAX_LINKS) {
      links.push({ href: open.href, host: hostOf(open.href), shown: open.shown.replace(/\s+/g, " ").trim() });
    }
    open = null;
  };
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (HIDDEN.has(name)) hidden++;
        if (name === "br" || name === "p" || name === "div" || name === "td" || name === "li") texts.push(" ");
        if (name !== "a") return;
        close();
        const href = (attributes.href ?? "").trim();
        if (href) open = { href: href.slice(0, 2048), shown: "" };
      },
      ontext(text) {
        if (!hidden && textLength < maxText) {
          const piece = text.slice(0, maxText - textLength);
          texts.push(piece);
          textLength += piece.length;
        }
        if (open && open.shown.length < MAX_SHOWN_CHARS)
          open.shown += text.slice(0, MAX_SHOWN_CHARS - open.shown.length);
      },
      onclosetag(name) {
        if (HIDDEN.has(name) && hidden > 0) hidden--;
        if (name === "a") close();
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(limitHtmlDepth(html));
  parser.end();
  close();
  return { links, text: texts.join("").replace(/\s+/g, " ").trim() };
}

/** URLs written out in plain text (`https://…`, `http://…`, `www.…`). */
export function textLinks(text: string): Link[] {
  const links: Link[] = [];
  // Linear: each match starts at "http" or "www." and runs one character class to its end.
  for (const match of text.matchAll(/\b(?:https?:\/\/|www\.)[^\s<>"'()[\]{}]+/gi)) {
    if (links.length >= MAX_LINKS) break;
    const href = /^www\./i.test(match[0]) ? `http://${match[0]}` : match[0];
    links.push({ href, host: hostOf(href.replace(/[.,;:!?]+$/, "")), shown: null });
  }
  return links;
}

/** Second-level domains under which names are registered (`example.co.uk`). */
const SECOND_LEVEL = new Set(["co", "com", "org", "net", "gov", "ac", "edu", "ne", "or"]);

/**
 * The registrable part of a host, approximately (no public-suffix list in the bundle): its
 * last two labels, or three under a country's `co.`, `com.`, … An IP address is itself.
 */
export function siteOf(host: string): string {
  if (/^[\d.]+$/.test(host) || host.includes(":")) return host;
  const labels = host.split(".");
  const n = labels.length;
  const take = n >= 3 && (labels[n - 1] ?? "").length === 2 && SECOND_LEVEL.has(labels[n - 2] ?? "") ? 3 : 2;
  return labels.slice(-take).join(".");
}

/** The host an anchor's text shows, when its text is a URL or a bare domain; else null. */
export function shownHost(shown: string): string | null {
  for (const raw of shown.split(" ")) {
    const token = raw.replace(/^[<([{"']+|[>)\]}"'.,;:!?]+$/g, "");
    if (/^https?:\/\//i.test(token)) return hostOf(token) || null;
    // Anchored, and label characters never include the dot: no backtracking across labels.
    const bare = /^(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24})(?:\/\S*)?$/i.exec(token);
    if (bare?.[1]) return bare[1].toLowerCase();
  }
  return null;
}

/** Whether a host is an IP address rather than a name (IPv4 dotted, or an IPv6 literal). */
export function isIpHost(host: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || host.startsWith("[");
}
