import fc from "fast-check";
import { convert } from "html-to-text";
import { Parser } from "htmlparser2";
import { describe, expect, it } from "vitest";
import { limitHtmlDepth, MAX_HTML_DEPTH } from "../shared/html-depth";

/** The deepest stack htmlparser2's parser reaches on `html`, and the work its `unshift`s cost (the sum of depths). */
/** The parser's open elements (private in its types; read only to measure). */
const stackOf = (parser: Parser) => (parser as unknown as { stack: string[] }).stack;

function parserDepth(html: string): { max: number; work: number } {
  let max = 0;
  let work = 0;
  const parser: Parser = new Parser(
    {
      onopentagname() {
        // Called as the parser `unshift`s the tag: its stack is what that costs.
        work += stackOf(parser).length;
      },
      onopentag() {
        if (stackOf(parser).length > max) max = stackOf(parser).length;
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return { max, work };
}

const TAGS = [
  "div",
  "p",
  "li",
  "ul",
  "b",
  "span",
  "td",
  "tr",
  "table",
  "br",
  "img",
  "script",
  "style",
  "title",
  "svg",
  "path",
];

/** Generated markup: tags (open, close, self-closing, void), text, comments, raw text and stray `<`. */
const html = fc
  .array(
    fc.oneof(
      fc.constantFrom(...TAGS).map((t) => `<${t}>`),
      fc.constantFrom(...TAGS).map((t) => `</${t}>`),
      fc.constantFrom(...TAGS).map((t) => `<${t} class="a>b" data-x='<div>'/>`),
      fc.constantFrom("word ", "a < b ", "x&amp;y ", "<!-- <div> -->", "<!doctype html>", "<", "</div", "\n"),
      fc.constantFrom("<script>if (a<b) { '</div>' }</script>", "<style>p>a{}</style>", "<title><b>t</b></title>"),
    ),
    { maxLength: 120 },
  )
  .map((parts) => parts.join(""));

describe("HTML nesting bounded before html-to-text (shared/html-depth.ts)", () => {
  it("leaves a document within the limit exactly as it was", () => {
    fc.assert(
      fc.property(html, (doc) => {
        if (parserDepth(doc).max <= 40) expect(limitHtmlDepth(doc, 64)).toBe(doc);
      }),
      { numRuns: 3000 },
    );
  });

  it("never lets the parser's stack pass the limit, on generated and nested documents", () => {
    const deep = fc.tuple(fc.integer({ min: 1, max: 400 }), html).map(([n, doc]) => "<div>".repeat(n) + doc + doc);
    fc.assert(
      fc.property(fc.oneof(html, deep), (doc) => {
        expect(parserDepth(limitHtmlDepth(doc, 16)).max).toBeLessThanOrEqual(16);
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps every word of a document nested past the limit", () => {
    const doc = `${Array.from({ length: 2000 }, (_, i) => `<div>word${i}`).join("")}</div>`;
    const text = convert(limitHtmlDepth(doc), { wordwrap: false });
    for (let i = 0; i < 2000; i += 97) expect(text).toContain(`word${i}`);
  });

  it("bounds the parser's work on a megabyte of unclosed tags to the limit per tag", () => {
    for (const doc of [
      "<div>".repeat(200_000),
      "<b>x".repeat(200_000),
      "<li><ul>".repeat(100_000),
      "<div/>".repeat(200_000),
      `${"<div>".repeat(300)}<script>${"<div>".repeat(100_000)}`,
      `${"<div>".repeat(300)}${"<script></div></div></script><div><div>".repeat(20_000)}`,
      `<textarea>${"</div>".repeat(1000)}</textarea>${"<p><span>".repeat(100_000)}`,
    ]) {
      const { max, work } = parserDepth(limitHtmlDepth(doc));
      expect(max).toBeLessThanOrEqual(MAX_HTML_DEPTH);
      expect(work).toBeLessThanOrEqual(MAX_HTML_DEPTH * (doc.length / 3));
    }
    // The same megabyte unlimited: the quadratic this module exists for.
    expect(parserDepth("<div>".repeat(20_000)).work).toBeGreaterThan(MAX_HTML_DEPTH * 20_000 * 10);
  });
});
