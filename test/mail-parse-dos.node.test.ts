import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile, firstMatch, type StepCounter } from "../shared/mail/linear-match";
import {
  bareMessageId,
  cutHtmlQuote,
  FORWARD_MARKER_PATTERN,
  isForward,
  parseMail,
  QUOTE_HEADER_PATTERNS,
  QUOTE_SCAN_CHARS,
  SIGNATURE_PATTERNS,
  stripQuotesAndSignature,
} from "../shared/mail/parse";
import { firstToAddress } from "../shared/mail/policy";

/** `DEFAULT_MAX_MESSAGE_BYTES` of shared/mail/limits.ts. */
const INBOUND_LIMIT = 20 * 1024 * 1024;

const PATTERNS = [...QUOTE_HEADER_PATTERNS, ...SIGNATURE_PATTERNS, FORWARD_MARKER_PATTERN];

/**
 * The proven bound of the matcher: per position of the text, each instruction is entered at
 * most once, a split adds two threads, and each character thread is tested once, so at most
 * 2 × instructions + 1 steps per pattern.
 */
const STEPS_PER_CHAR = PATTERNS.reduce((sum, p) => sum + 2 * compile(p).program.length + 1, 0);

/** The work of quote, signature and forward detection on one text. */
function detectionSteps(text: string): number {
  const counter: StepCounter = { steps: 0 };
  stripQuotesAndSignature(text, counter);
  isForward("", text, counter);
  return counter.steps;
}

/** Pieces of real replies in every language the patterns know, and characters that split or join lines. */
const FRAGMENTS = [
  "On",
  "on",
  "at",
  "wrote",
  "wrote:",
  ":",
  "-",
  "--",
  "-----",
  " ",
  "\n",
  "\n\n",
  "\t",
  "a",
  "Bob",
  "2024,",
  "Dne",
  "napsal",
  "napsala",
  "(a)",
  "Le",
  "écrit",
  "ÉCRIT",
  "Am",
  "schrieb",
  "El",
  "escribió",
  "W dniu",
  "Dnia",
  "pisze",
  "napisał",
  "Original Message",
  "original message",
  "Původní zpráva",
  "_",
  "__________",
  "From:",
  "Od:",
  "Sent:",
  "Date:",
  "Sent from my ",
  "SENT FROM MY ",
  "Get Outlook for ",
  "Odesláno z ",
  "Von meinem ",
  " gesendet",
  "Forwarded message",
  "Begin forwarded message:",
  "> ",
  "\u2028",
  "\u00a0",
  "\r",
  "\r\n",
  "ſ",
  "K",
];
const mailish = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((parts) => parts.join(""));

/** The quote stripping as it was, on V8's regex engine: the reference for behaviour on small inputs. */
function referenceStrip(text: string): string {
  let visible = text.replace(/\r\n?/g, "\n");
  const cutAt = (patterns: readonly RegExp[]) => {
    let cut = visible.length;
    for (const pattern of patterns) {
      const match = pattern.exec(visible);
      if (match && match.index < cut && visible.slice(0, match.index).trim()) cut = match.index;
    }
    visible = visible.slice(0, cut);
  };
  cutAt(QUOTE_HEADER_PATTERNS);
  cutAt(SIGNATURE_PATTERNS);
  return visible
    .split("\n")
    .filter((line) => !/^\s*>/.test(line))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

describe("quote detection is linear in the text and behaves as before", () => {
  it("finds the first match exactly where V8 does, for every quote, signature and forward pattern", () => {
    const compiled = PATTERNS.map((p) => [p, compile(p)] as const);
    fc.assert(
      fc.property(mailish, (text) => {
        for (const [regex, linear] of compiled) expect(firstMatch(linear, text)).toBe(regex.exec(text)?.index ?? -1);
      }),
      { numRuns: 3000 },
    );
  });

  it("strips quotes and signatures exactly as the regex version did, on generated replies", () => {
    fc.assert(
      fc.property(mailish, (text) => {
        expect(stripQuotesAndSignature(text)).toBe(referenceStrip(text));
      }),
      { numRuns: 3000 },
    );
  });

  it("spends at most a fixed number of steps per character on random bodies", () => {
    fc.assert(
      fc.property(
        fc.oneof(mailish, fc.string({ maxLength: 5000 }), fc.string({ unit: "binary", maxLength: 5000 })),
        (text) => {
          expect(detectionSteps(text)).toBeLessThanOrEqual(STEPS_PER_CHAR * (text.length + 1));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("spends at most a fixed number of steps per character on adversarial bodies, up to the inbound size limit", () => {
    const unit = fc.constantFrom("On a ", "a ", " ", "\n", "-", "_", "W dniu ", "From: x\n", "--", "\t", "On\n");
    const adversarial = fc
      .tuple(fc.array(unit, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 8_000 }))
      .map(([units, times]) => units.join("").repeat(times));
    fc.assert(
      fc.property(adversarial, (text) => {
        expect(detectionSteps(text)).toBeLessThanOrEqual(STEPS_PER_CHAR * (text.length + 1));
      }),
      { numRuns: 40 },
    );
    // At the inbound limit the work is that of the scanned head only: it does not grow with the body.
    for (const unit of ["On a ", "a ", " ", "\n", "-"]) {
      const huge = unit.repeat(Math.ceil(INBOUND_LIMIT / unit.length));
      const steps = detectionSteps(huge);
      expect(steps).toBeLessThanOrEqual(STEPS_PER_CHAR * (QUOTE_SCAN_CHARS + 1));
    }
  }, 60_000);

  it("parses whole messages of adversarial bodies within the step budget, up to the inbound size limit", async () => {
    const message = (body: string) =>
      new TextEncoder().encode(
        `From: Ada <ada@example.com>\r\nTo: in@statex.test\r\nSubject: hi\r\nMessage-ID: <m@example.com>\r\n\r\n${body}`,
      );
    const unit = fc.constantFrom("On a ", "a ", " ", "\r\n", "-", "_", "W dniu ", "From: x\r\n", "\t", "On\r\n", "> ");
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(fc.array(unit, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 4000 })),
        async ([units, times]) => {
          const body = `Hello.\r\n${units.join("").repeat(times)}`;
          const counter: StepCounter = { steps: 0 };
          await parseMail(message(body), counter);
          // The forward pattern runs twice (mail text, then the text kept), every other pattern once.
          expect(counter.steps).toBeLessThanOrEqual(2 * STEPS_PER_CHAR * (body.length + 1));
        },
      ),
      { numRuns: 25 },
    );
    const huge = `Hello.\r\nOn ${"a ".repeat(INBOUND_LIMIT / 2 - 100)}`;
    const counter: StepCounter = { steps: 0 };
    const mail = await parseMail(message(huge), counter);
    expect(mail.text.startsWith("Hello.")).toBe(true);
    expect(counter.steps).toBeLessThanOrEqual(2 * STEPS_PER_CHAR * (QUOTE_SCAN_CHARS + 1));
  }, 60_000);

  it("parses a 6 KB `On a a a …` reply (seconds of backtracking before) and still cuts a real quote header", async () => {
    const body = `Please summarise the attached contract.\n\nOn ${"a ".repeat(3000)}\n`;
    const raw = new TextEncoder().encode(
      `From: Ada <ada@example.com>\r\nTo: in@statex.test\r\nSubject: hi\r\nMessage-ID: <m1@example.com>\r\n\r\n${body.replace(/\n/g, "\r\n")}On Tue, 3 Dec 2024 at 10:00, StateX <results@statex.test> wrote:\r\n> old text\r\n`,
    );
    const mail = await parseMail(raw);
    expect(mail.text.startsWith("Please summarise the attached contract.")).toBe(true);
    expect(mail.text).not.toContain("old text");
    const counter: StepCounter = { steps: 0 };
    stripQuotesAndSignature(body, counter);
    expect(counter.steps).toBeLessThanOrEqual(STEPS_PER_CHAR * (body.length + 1));
  });

  it("keeps a quote header that is past the scanned head: the person's words are never cut there", () => {
    const own = "word ".repeat(QUOTE_SCAN_CHARS / 5 + 10);
    const text = `${own}\nOn Tue, Bob wrote:\n> quoted`;
    const kept = stripQuotesAndSignature(text);
    // Compared by length and ends, so a failure does not print 64 KB of words.
    expect(kept.length).toBe(own.length + "\nOn Tue, Bob wrote:".length);
    expect(kept.startsWith(own)).toBe(true);
    expect(kept.endsWith("\nOn Tue, Bob wrote:")).toBe(true);
  });
});

describe("the other patterns run on mail text are linear too", () => {
  const HTML_MARKERS =
    /<[^>]+(id="appendonsend"|id="divRplyFwdMsg"|class="gmail_quote|type="cite"|class="moz-cite-prefix"|class="yahoo_quoted"|id="mail-editor-reference-message-container")/i;
  const htmlish = fc
    .array(
      fc.constantFrom("<", ">", "<div ", 'id="appendonsend"', 'CLASS="GMAIL_QUOTE', 'type="cite"', "x", " ", "ı", "K"),
      {
        maxLength: 30,
      },
    )
    .map((parts) => parts.join(""));

  it("cuts HTML where the marker regex matched, on generated HTML", () => {
    fc.assert(
      fc.property(htmlish, (html) => {
        const match = HTML_MARKERS.exec(html);
        expect(cutHtmlQuote(html)).toBe(match ? html.slice(0, match.index) : html);
      }),
      { numRuns: 5000 },
    );
  });

  it("reads 4 MiB of `<` or of `<div id=…` without a marker (quadratic for the regex) and returns it whole", () => {
    for (const unit of ["<", "<a ", '<id="appendonsen', ">"]) {
      const html = unit.repeat((4 * 1024 * 1024) / unit.length);
      expect(cutHtmlQuote(html)).toBe(html);
    }
    const tail = `${"<".repeat(1 << 20)}<div class="gmail_quote">old</div>`;
    expect(cutHtmlQuote(`<p>new</p>${tail}`)).toBe("<p>new</p>");
  });

  it("reads Message-IDs as before, and a 1 MiB `a@a@…` header (quadratic for the old pattern) at once", () => {
    const reference = (value: string) =>
      (/<([^<>\s]+)>/.exec(value) ?? /^\s*([^<>\s]+@[^<>\s]+)\s*$/.exec(value))?.[1] ?? null;
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "@", "<", ">", " ", "\n", "b.c"), { maxLength: 20 }), (parts) => {
        const value = parts.join("");
        expect(bareMessageId(value)).toBe(reference(value));
      }),
      { numRuns: 5000 },
    );
    expect(bareMessageId(`${"a@".repeat(1 << 19)} x`)).toBeNull();
    expect(bareMessageId("  id@host  ")).toBe("id@host");
  });
});

describe("the complaint parser's To: search (shared/mail/policy.ts)", () => {
  it("finds the address the regex found, and reads a 1 MiB To: line without one at once", () => {
    const reference = (text: string) => /^To:.*?<?([^<>\s,]+@[^<>\s,]+)>?/im.exec(text)?.[1] ?? null;
    const pieces = ["To:", "to: ", "TO:", "a", "@", "b.c", "<", ">", ",", " ", "\r\n", "\n", "\r", "x@y", "Cc: z@w"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 24 }), (parts) => {
        const text = parts.join("");
        expect(firstToAddress(text)).toBe(reference(text));
      }),
      { numRuns: 5000 },
    );
    expect(firstToAddress(`To: ${"a".repeat(1 << 20)}\r\nTo: <ok@example.com>`)).toBe("ok@example.com");
  });
});
