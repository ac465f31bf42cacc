/**
 * Cheaper answers to some of marked's questions, with exactly marked's results (GFM, marked
 * 18): the site build spends most of its time in marked's lexer; the first three regular
 * expressions below were a quarter of it, lists and table cells much of the rest of its block
 * work. `test/site.node.test.ts` compares the tokens with plain marked's on generated
 * documents (lists and tables each on their own shapes), and the inline text rule with
 * marked's own expression.
 *
 * - **Inline text.** marked ends a run of plain text with a lazy `[\s\S]*?` that tries about
 *   ten lookaheads at every character, two of them for e-mail addresses (`[…]+@`, which
 *   rescans the next word at each space) and `mailto:`/`xmpp:`. The other stops are written as
 *   one greedy loop over the characters that do not stop text — a third of the time — and
 *   where an `@` or a `mailto:`/`xmpp:` could have stopped it earlier, marked's own rule runs.
 * - **Setext headings** (`Title\n===`) are tried on every paragraph with an expression that
 *   walks the paragraph. One needs a line of `=` or `-` (after at most three spaces) before
 *   the paragraph's first blank line; without one, the answer is no.
 * - **Tables** are tried on every paragraph too, and need a second line that starts, after at
 *   most three spaces and an optional `|`, with `-` or `:-`; without one, the answer is no.
 * - **Table cells.** marked splits each row into cells with a `replace` that calls a function
 *   at every `|` (to leave escaped pipes alone); in a table without a backslash that is a plain
 *   `split("|")`. Tables with a backslash go to marked.
 * - **Simple lists.** marked's list tokenizer tests half a dozen expressions on every line of
 *   every item (next bullet, rule, fence, heading, HTML, quote) and rebuilds each line with
 *   `split` and `replace`. A list of one-line items at the margin — one bullet kind, one space
 *   after it, no blank line between items, and after it the end or blank lines and a line that
 *   starts with neither white space nor a bullet character — is cut from line breaks alone;
 *   each item's text is lexed by marked as before. Any other shape goes to marked.
 */

import { Lexer, type Token, type TokenizerObject, type Tokens } from "marked";
import { isJsSpace } from "../chars";

/**
 * marked's GFM inline `text` rule without its e-mail and `mailto:`/`xmpp:` branches, and with
 * the lazy scan turned into a greedy loop over the characters at which text does not stop:
 * anything but `\ < ! [ ` * ~ _`, an `http`, an `ftp://`, a `www.` after white space or
 * `*_~(`, and the first of two or more spaces before a line break. (A later space of such a
 * run is never reached: the loop stops at the first, or the `(?= {2,}\n)` branch already did.)
 * It also stops at `@` and `:`, where the branches it leaves out could apply.
 */
const PLAIN_TEXT =
  /^(?:`+|~+|[^`~])(?:(?=[`~])|(?= {2,}\n)|(?:[^\\<![`*~_hHfFw @:]|[hH](?![tT][tT][pP])|[fF](?![tT][pP]:\/\/)|w(?!ww\.)|(?<![\s*_~(])w| (?! +\n))*)/;

/** `a-zA-Z0-9.!#$%&'*+/=?_`{|}~-`: the characters of an e-mail address's local part, for marked. */
const EMAIL = new Uint8Array(128);
for (const ch of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?_`{|}~-")
  EMAIL[ch.charCodeAt(0)] = 1;

/**
 * Where marked's GFM inline text rule ends at the start of `src`, or -1 when only marked's own
 * rule can tell. The branches `PLAIN_TEXT` leaves out could end the text earlier only at an
 * address's `@` or a `mailto:`/`xmpp:` in it (then `PLAIN_TEXT` stops at that `@` or `:`
 * first), or at an address whose local part runs through its end to an `@` after it.
 */
export function plainTextLength(src: string): number {
  const end = PLAIN_TEXT.exec(src)?.[0].length ?? 0;
  if (end === 0) return 0;
  let j = end;
  let c = src.charCodeAt(j);
  if (c === 58) return -1;
  while (c < 128 && EMAIL[c] === 1) c = src.charCodeAt(++j);
  return c === 64 ? -1 : end;
}

/**
 * False when no setext heading can start at `src`: marked's rule needs `\n` followed by at
 * most three spaces and `=` or `-`, at a line break that its text may reach — and its text
 * never crosses a line break followed by a line of white space only.
 */
export function mayBeSetextHeading(src: string): boolean {
  for (let k = src.indexOf("\n"); k !== -1; k = src.indexOf("\n", k + 1)) {
    let j = k + 1;
    while (j < k + 4 && src.charCodeAt(j) === 32) j++;
    const c = src.charCodeAt(j);
    if (c === 61 || c === 45) return true;
    // A blank line (white space only) ends the text the rule can take.
    for (let i = k + 1; i < src.length; i++) {
      const d = src.charCodeAt(i);
      if (d === 10) return false;
      if (!isJsSpace(d)) break;
    }
  }
  return false;
}

/**
 * False when no table can start at `src`: the line after the first must begin with at most
 * three spaces, an optional `|` and spaces, an optional `:`, then `-`.
 */
export function mayBeTable(src: string): boolean {
  const k = src.indexOf("\n");
  if (k === -1) return false;
  let j = k + 1;
  while (j < k + 4 && src.charCodeAt(j) === 32) j++;
  if (src.charCodeAt(j) === 124) {
    j++;
    while (src.charCodeAt(j) === 32) j++;
  }
  if (src.charCodeAt(j) === 58) j++;
  return src.charCodeAt(j) === 45;
}

/**
 * The length of a list marker of the given kind at `at` (`kind`: the bullet's code for `-*+`,
 * or the delimiter's code, negated, for an ordered list: `-46` for `1.`), or 0. Only a marker
 * followed by one space and then a character that cannot start a rule, a task box, a bullet or
 * more indentation counts.
 */
function markerAt(src: string, at: number, kind: number): number {
  let j = at;
  if (kind > 0) {
    if (src.charCodeAt(j) !== kind) return 0;
    j++;
  } else {
    while (j < at + 9 && isDigit(src.charCodeAt(j))) j++;
    if (j === at || src.charCodeAt(j) !== -kind) return 0;
    j++;
  }
  if (src.charCodeAt(j) !== 32) return 0;
  const c = src.charCodeAt(j + 1);
  // Not: end, white space (more indentation or an empty item), a rule (`- - -`, `* * *`,
  // `_ _ _`), a nested bullet, a task box.
  if (Number.isNaN(c) || c === 32 || c === 9 || c === 10 || c === 45 || c === 42 || c === 95 || c === 43 || c === 91)
    return 0;
  return j - at;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * The list token marked would make at `src`, for the simple shape described above, or `false`
 * for marked's own tokenizer. `lexer` lexes each item's text, as in marked.
 */
export function simpleList(
  src: string,
  lexer: { blockTokens(src: string, tokens: Token[]): Token[]; state: { top: boolean; lastToken?: Token } },
): Tokens.List | false {
  // After a text token (inside an item), whether a list may interrupt it is marked's question.
  if (lexer.state.lastToken?.type === "text") return false;
  const c0 = src.charCodeAt(0);
  let kind: number;
  if (c0 === 45 || c0 === 42 || c0 === 43) kind = c0;
  else if (isDigit(c0)) {
    let j = 1;
    while (j < 9 && isDigit(src.charCodeAt(j))) j++;
    const d = src.charCodeAt(j);
    if (d !== 46 && d !== 41) return false;
    kind = -d;
  } else return false;
  const items: Tokens.ListItem[] = [];
  let at = 0;
  let end: number;
  for (;;) {
    const marker = markerAt(src, at, kind);
    if (marker === 0) return false;
    const nl = src.indexOf("\n", at);
    end = nl === -1 ? src.length : nl;
    const content = src.slice(at + marker + 1, end);
    // Unicode white space only: an empty item for marked (its `trim`).
    if (content.trim() === "") return false;
    if (nl === -1 || nl + 1 === src.length) {
      items.push(item(src.slice(at, end + 1), content));
      break;
    }
    let next = nl + 1;
    if (src.charCodeAt(next) !== 10) {
      // Another item of this list, or a shape left to marked.
      items.push(item(src.slice(at, next), content));
      at = next;
      continue;
    }
    while (src.charCodeAt(next) === 10) next++;
    const c = src.charCodeAt(next);
    // After blank lines: the end, or a line at the margin that no list can go on with.
    if (!Number.isNaN(c) && (c === 32 || c === 9 || c === 45 || c === 42 || c === 43 || isDigit(c))) return false;
    items.push(item(src.slice(at, next), content));
    break;
  }
  const last = items[items.length - 1] as Tokens.ListItem;
  last.raw = last.raw.trimEnd();
  last.text = last.text.trimEnd();
  const start = kind < 0 ? +src.slice(0, src.search(/[.)]/)) : "";
  const list: Tokens.List = {
    type: "list",
    raw: src.slice(0, end).trimEnd(),
    ordered: kind < 0,
    start,
    loose: false,
    items,
  };
  for (const it of items) {
    lexer.state.top = false;
    it.tokens = lexer.blockTokens(it.text, []);
    if (!list.loose) {
      const spaces = it.tokens.filter((t) => t.type === "space");
      list.loose = spaces.length > 0 && spaces.some((t) => ANY_LINE.test(t.raw));
    }
  }
  if (list.loose)
    for (const it of items) {
      it.loose = true;
      for (const t of it.tokens) if (t.type === "text") t.type = "paragraph";
    }
  return list;
}

const ANY_LINE = /\n.*\n/;

function item(raw: string, text: string): Tokens.ListItem {
  return { type: "list_item", raw, task: false, loose: false, text, tokens: [] };
}

/** marked's GFM table rule, the one its tokenizer runs. */
const TABLE = Lexer.rules.block.gfm.table;

/**
 * marked's `splitCells` for a row without a backslash: there each `|` splits, and marked's own
 * way (a space put before each unescaped `|`, then a split at ` |`) gives the same cells up to
 * white space at their ends, which it trims.
 */
function splitCells(row: string, count?: number): string[] {
  const cells = row.split("|");
  if (!(cells[0] as string).trim()) cells.shift();
  if (cells.length > 0 && !cells.at(-1)?.trim()) cells.pop();
  if (count) {
    if (cells.length > count) cells.splice(count);
    else while (cells.length < count) cells.push("");
  }
  for (let i = 0; i < cells.length; i++) cells[i] = (cells[i] as string).trim();
  return cells;
}

/**
 * The table marked's tokenizer would make at `src` when it has no backslash (`undefined`: no
 * table), or `false` for marked's own tokenizer. `inline` queues a cell's inline lexing, as
 * marked's `lexer.inline` does.
 */
export function tableWithoutEscapes(src: string, inline: (text: string) => Token[]): Tokens.Table | false | undefined {
  const t = TABLE.exec(src);
  if (!t || !/[:|]/.test(t[2] as string)) return undefined;
  if (t[0].includes("\\")) return false;
  const header = splitCells(t[1] as string);
  const aligns = (t[2] as string).replace(/^\||\| *$/g, "").split("|");
  const rows = t[3]?.trim() ? t[3].replace(/\n[ \t]*$/, "").split("\n") : [];
  let end = t[0].length;
  while (end > 0 && t[0].charCodeAt(end - 1) === 10) end--;
  const table: Tokens.Table = { type: "table", raw: t[0].slice(0, end), header: [], align: [], rows: [] };
  if (header.length !== aligns.length) return undefined;
  for (const a of aligns)
    table.align.push(
      /^ *-+: *$/.test(a) ? "right" : /^ *:-+: *$/.test(a) ? "center" : /^ *:-+ *$/.test(a) ? "left" : null,
    );
  for (let i = 0; i < header.length; i++) {
    const text = header[i] as string;
    table.header.push({ text, tokens: inline(text), header: true, align: table.align[i] as Tokens.TableCell["align"] });
  }
  for (const row of rows)
    table.rows.push(
      splitCells(row, table.header.length).map((text, c) => ({
        text,
        tokens: inline(text),
        header: false,
        align: table.align[c] as Tokens.TableCell["align"],
      })),
    );
  return table;
}

/**
 * marked tokenizer overrides: `false` hands the question to marked's own tokenizer,
 * `undefined` answers "no such token here".
 */
export const fastTokenizer: TokenizerObject = {
  inlineText(src) {
    const end = plainTextLength(src);
    if (end <= 0) return false;
    const raw = src.slice(0, end);
    // A numeric character reference is decoded by marked's own tokenizer.
    if (raw.includes("&#")) return false;
    return { type: "text", raw, text: raw, escaped: this.lexer.state.inRawBlock } satisfies Tokens.Text;
  },
  lheading(src) {
    return mayBeSetextHeading(src) ? false : undefined;
  },
  table(src) {
    if (!mayBeTable(src)) return undefined;
    const lexer = this.lexer;
    return tableWithoutEscapes(src, (text) => lexer.inline(text));
  },
  list(src) {
    return simpleList(src, this.lexer);
  },
};
