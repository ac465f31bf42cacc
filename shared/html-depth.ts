/**
 * HTML nesting bounded before `html-to-text` reads it.
 *
 * `html-to-text` parses with htmlparser2, whose parser keeps its open elements in an array it
 * `unshift`s for every start tag: each costs the current depth, so n unclosed tags cost n²/2
 * (200,000 `<div>` — 1 MB of mail or upload — take 15 s of CPU, and then the formatter's
 * recursion overflows the stack). Neither library has a depth option that acts before that
 * parse (`limits.maxDepth` prunes the finished tree).
 *
 * `limitHtmlDepth` runs htmlparser2's own tokenizer (linear, and the one the parser uses, so
 * tags, comments and raw text are exactly the parser's) and keeps its own stack with `push`,
 * never deeper than the limit: start tags past it, and their end tags, become a space. Text
 * stays where it was, so the words survive and only structure past the limit goes; the
 * parser's stack then never exceeds the limit and costs at most that much per tag. A
 * document within the limit comes back as it was (`test/html-depth.node.test.ts` holds both
 * to htmlparser2's parser).
 */
import { Tokenizer, type TokenizerCallbacks } from "htmlparser2";

/** Deeper than any mail client or word processor nests; far below the quadratic's pain. */
export const MAX_HTML_DEPTH = 256;

/** htmlparser2's void elements (Parser.js), exactly: one more here would undercount depth. */
const VOID = new Set([
  "area",
  "base",
  "basefont",
  "br",
  "col",
  "command",
  "embed",
  "frame",
  "hr",
  "img",
  "input",
  "isindex",
  "keygen",
  "link",
  "meta",
  "param",
  "source",
  "track",
  "wbr",
]);

/** Elements whose content the tokenizer reads as text up to their own end tag. */
const RAW_TEXT = new Set(["script", "style", "title", "textarea", "xmp"]);

/**
 * Start tags that close an open element of the same name (a new `<li>` ends the last one):
 * a subset of the parser's `openImpliesClose`, so the count here is never below the parser's.
 */
const CLOSES_ITS_SIBLING = new Set(["li", "p", "dt", "dd", "option", "optgroup", "tr", "td", "th", "rt", "rp"]);

/**
 * `html` with start tags nested deeper than `maxDepth`, and their end tags, replaced by a
 * space (a dropped raw-text element goes with its content, which would otherwise be parsed
 * as markup). Tokenized by htmlparser2's own tokenizer, so tags, comments and raw text are
 * exactly the ones the parser will see; the parser's stack rules are followed except where
 * following them would count lower (self-closing syntax and most implied closes are ignored:
 * the count here can only be higher than the parser's, never lower).
 */
export function limitHtmlDepth(html: string, maxDepth = MAX_HTML_DEPTH): string {
  const stack: string[] = [];
  /** Start tags dropped past the limit and not yet matched by an end tag. */
  let dropped = 0;
  const drops: [number, number][] = [];
  let tagStart = 0;
  let tagName = "";
  /** A dropped raw-text element: dropped from its start tag through its end tag. */
  let dropping: { name: string; from: number } | null = null;
  const open = (end: number, selfClosing: boolean) => {
    if (VOID.has(tagName)) return;
    if (stack.length < maxDepth) {
      stack.push(tagName);
      return;
    }
    // `<script/>` is not raw text to the tokenizer (markup goes on after it); `<script>` is.
    if (RAW_TEXT.has(tagName) && !selfClosing) dropping = { name: tagName, from: tagStart };
    else {
      dropped++;
      drops.push([tagStart, end + 1]);
    }
  };
  const none = () => {};
  const callbacks: TokenizerCallbacks = {
    onopentagname(start, end) {
      tagStart = start - 1;
      tagName = html.slice(start, end).toLowerCase();
      if (CLOSES_ITS_SIBLING.has(tagName) && stack[stack.length - 1] === tagName) stack.pop();
    },
    onopentagend: (end) => open(end, false),
    onselfclosingtag: (end) => open(end, true),
    onclosetag(start, end) {
      const name = html.slice(start, end).toLowerCase();
      const closeEnd = html.indexOf(">", end);
      const to = closeEnd === -1 ? html.length : closeEnd + 1;
      if (dropping) {
        if (name === dropping.name) {
          drops.push([dropping.from, to]);
          dropping = null;
        }
        return;
      }
      const at = stack.lastIndexOf(name);
      if (at !== -1) stack.length = at;
      else if (dropped > 0 && !VOID.has(name)) {
        dropped--;
        drops.push([start - 2, to]);
      } else if (name === "p" && stack.length >= maxDepth) {
        // A `</p>` with no `<p>` open makes the parser open (and close) one: past the limit.
        drops.push([start - 2, to]);
      }
    },
    onattribdata: none,
    onattribentity: none,
    onattribend: none,
    onattribname: none,
    oncdata: none,
    oncomment: none,
    ondeclaration: none,
    onend: none,
    onprocessinginstruction: none,
    ontext: none,
    ontextentity: none,
  };
  const tokenizer = new Tokenizer({ xmlMode: false, decodeEntities: true }, callbacks);
  tokenizer.write(html);
  tokenizer.end();
  const unfinished = dropping as { from: number } | null;
  if (unfinished) drops.push([unfinished.from, html.length]);
  if (drops.length === 0) return html;
  const out: string[] = [];
  let at = 0;
  for (const [from, to] of drops) {
    out.push(html.slice(at, from), " ");
    at = to;
  }
  out.push(html.slice(at));
  return out.join("");
}
