/**
 * Inbound mail, parsed once into what the platform needs: who sent it, which conversation it
 * belongs to, the request text without quoted history or signatures, and its attachments.
 * MIME, encodings and charsets are postal-mime's job. Quoted-reply detection is ours: the
 * library of the field, email-reply-parser, runs `createRequire(import.meta.url)` at import,
 * which workerd has no value for, so the Worker would not even start; its quote-header
 * patterns (MIT, Crisp IM) are the model for the ones below, with Czech added.
 */
import { convert } from "html-to-text";
import PostalMime, { type Address, type Email } from "postal-mime";
import { limitHtmlDepth } from "../html-depth";
import { compile, firstMatch, type LinearPattern, type StepCounter } from "./linear-match";

export interface InboundAttachment {
  filename: string;
  mimeType: string;
  size: number;
  content: Uint8Array;
  /** An inline part (a signature logo, an embedded screenshot) rather than an attached file. */
  inline: boolean;
}

export interface ParsedMail {
  /** Message-ID without angle brackets; null when the message has none. */
  messageId: string | null;
  /** The header `From` address, lower-cased; null when missing or unparseable. */
  from: string | null;
  fromName: string;
  subject: string;
  inReplyTo: string | null;
  /** Message-IDs of the conversation, oldest first, without brackets. */
  references: string[];
  /** The request: the new text of the message, quotes and signature removed. */
  text: string;
  /** The whole text part (or the HTML as text), for forwarded mail and replies we keep whole. */
  fullText: string;
  attachments: InboundAttachment[];
  /** Lower-cased header names to their (first) values. */
  headers: Map<string, string>;
  /** The raw postal-mime result, for bounce and report parsing. */
  email: Email;
}

const MAX_NESTING = 32;
/** Most parts read from a message whose parts miss its boundary (real ones have a handful). */
const MAX_SALVAGED_PARTS = 100;

/**
 * `<a@b>` or `a@b` to `a@b`. Written without `^\s*([^<>\s]+@[^<>\s]+)\s*$`, which backtracks
 * quadratically on a long header of `a@a@a@… x`; the bracketed search is linear (each `<`
 * scans only to the next `<`, `>` or space).
 */
export function bareMessageId(value: string | undefined | null): string | null {
  const bracketed = /<([^<>\s]+)>/.exec(value ?? "");
  if (bracketed) return bracketed[1] ?? null;
  const bare = (value ?? "").trim();
  return /^[^<>\s]+$/.test(bare) && bare.slice(1, -1).includes("@") ? bare : null;
}

function mailbox(address: Address | undefined): { address: string; name: string } | null {
  if (!address) return null;
  const box = address.address !== undefined ? address : address.group[0];
  if (!box?.address || !/^[^@\s]+@[^@\s]+$/.test(box.address)) return null;
  return { address: box.address.toLowerCase(), name: box.name ?? "" };
}

/**
 * Quote and signature detection reads at most this much of the text (64 Ki UTF-16 units, up
 * to the last line end before it), so its cost is bounded whatever the message size (inbound
 * mail may be 20 MiB). A quote header further in would follow more than 64 Ki characters of
 * the person's own text, which the request limit (`MAX_TEXT_CHARS`, 20,000) refuses anyway;
 * such a text keeps its quotes rather than lose any of its words.
 */
export const QUOTE_SCAN_CHARS = 64 * 1024;

/**
 * Lines that begin quoted history: "On <date>, <name> wrote:" in the languages our users write
 * (a header may wrap onto a second line), Outlook's header block and separators. Run by
 * `linear-match` (a Thompson NFA), never by V8's backtracking engine: on these patterns V8
 * takes seconds for 3 KB of `On a a a …`.
 */
export const QUOTE_HEADER_PATTERNS: readonly RegExp[] = [
  /^-*\s*On\s.+\s.+\n?.*wrote:?\s*-*$/m,
  /^\s*(.+\s)?on\s.*\sat\s.*\swrote:$/m,
  /^\s*Dne\s.+\n?.*napsal(a|\(a\))?:\s*$/m,
  /^\s*(.+\s)?napsal(a|\(a\))?:\s*$/m,
  /^-*\s*Le\s.+\s.+\n?.*écrit\s?:?\s*-*$/m,
  /^\s*Am\s.+\n?.*schrieb.*:$/m,
  /^-*\s*El\s.+\s.+\n?.*escribió:?\s*-*$/m,
  /^\s*(W\sdniu|Dnia)\s[\s\S]+?(pisze|napisał(\(a\))?):$/m,
  /^-{2,}\s*(Original Message|Původní zpráva|Puvodni zprava|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}$/im,
  /^_{10,}\s*$/m,
  /^\s*(From|Od|Von|De)\s?:.+\n\s*(Sent|Odesláno|Gesendet|Envoyé|Date|Datum)\s?:/m,
];
const QUOTE_HEADERS = QUOTE_HEADER_PATTERNS.map(compile);

/** Sign-offs added by clients, cut when something precedes them. */
export const SIGNATURE_PATTERNS: readonly RegExp[] = [
  /^-- ?$/m,
  /^Sent from my .+$/im,
  /^Sent from (Outlook|Mail) for .+$/im,
  /^Get Outlook for .+$/im,
  /^Odesláno z(e)? .+$/im,
  /^Von meinem .+ gesendet$/im,
];
const SIGNATURE_LINES = SIGNATURE_PATTERNS.map(compile);

/** The part of `text` that quote and forward detection read: see {@link QUOTE_SCAN_CHARS}. */
function scanned(text: string): string {
  if (text.length <= QUOTE_SCAN_CHARS) return text;
  const end = text.lastIndexOf("\n", QUOTE_SCAN_CHARS);
  return text.slice(0, end === -1 ? QUOTE_SCAN_CHARS : end);
}

/**
 * The new text of a reply: quoted history, quote headers and the signature removed. Linear
 * in the text: pass a `counter` to see the steps taken (at most a fixed multiple of
 * {@link QUOTE_SCAN_CHARS}, plus single linear passes over the rest).
 */
export function stripQuotesAndSignature(text: string, counter?: StepCounter): string {
  let visible = text.replace(/\r\n?/g, "\n");
  const cutAt = (patterns: LinearPattern[]) => {
    const head = scanned(visible);
    // Never cut everything: a message that is only a quote keeps its text.
    const firstWord = head.search(/\S/);
    let cut = visible.length;
    for (const pattern of patterns) {
      const index = firstMatch(pattern, head, counter);
      if (index !== -1 && index < cut && firstWord !== -1 && firstWord < index) cut = index;
    }
    visible = visible.slice(0, cut);
  };
  cutAt(QUOTE_HEADERS);
  cutAt(SIGNATURE_LINES);
  // Quoted lines left in the middle (inline replies keep the person's own lines).
  return visible
    .split("\n")
    .filter((line) => !/^\s*>/.test(line))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const FORWARD_SUBJECT = /^\s*(fwd?|fw|tr|př|wg)\s*:/i;
/** A forward marker line; exported (with the two lists above) for the tests that compare it with V8. */
export const FORWARD_MARKER_PATTERN =
  /^(-{5,}\s*(Forwarded message|Přeposlaná zpráva)|Begin forwarded message:|Začátek přeposlané zprávy:)/im;
const FORWARD_MARKER = compile(FORWARD_MARKER_PATTERN);

/** A forward, by its subject or a client's forward marker in the first {@link QUOTE_SCAN_CHARS} of text. */
export function isForward(subject: string, text: string, counter?: StepCounter): boolean {
  // The subject pattern is anchored at its start and cannot backtrack beyond its short prefix.
  return FORWARD_SUBJECT.test(subject) || firstMatch(FORWARD_MARKER, scanned(text), counter) !== -1;
}

/** Where mail clients start the quoted history in HTML (Outlook, Gmail, Apple Mail, Thunderbird, Yahoo). */
const HTML_QUOTE_MARKERS = [
  'id="appendonsend"',
  'id="divRplyFwdMsg"',
  'class="gmail_quote',
  'type="cite"',
  'class="moz-cite-prefix"',
  'class="yahoo_quoted"',
  'id="mail-editor-reference-message-container"',
].map((marker) => marker.toLowerCase());

/**
 * The HTML before the client's quoted history, when the client marked where that begins: the
 * first `<` of the first tag (a run without `>`) holding a marker at least one character after
 * its `<`, which is where `/<[^>]+(markers)/i` matches. That regex takes quadratic time on a
 * body of `<<<<…` (each `<` scans to the end), so this walks the `>`-separated runs once,
 * each search resuming where the last one stopped.
 */
export function cutHtmlQuote(html: string): string {
  // ASCII-only lower case, as the `i` flag folds these ASCII markers; same length as `html`.
  const lower = html.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
  const nextMarker = HTML_QUOTE_MARKERS.map(() => -1);
  let nextLt = -1;
  for (let from = 0; from < html.length; ) {
    const gt = html.indexOf(">", from);
    const end = gt === -1 ? html.length : gt;
    if (nextLt !== Infinity && nextLt < from) nextLt = html.indexOf("<", from);
    if (nextLt === -1) nextLt = Infinity;
    if (nextLt < end) {
      for (const [k, marker] of HTML_QUOTE_MARKERS.entries()) {
        let at = nextMarker[k] as number;
        if (at !== Infinity && at < nextLt + 2) at = lower.indexOf(marker, nextLt + 2);
        nextMarker[k] = at === -1 ? Infinity : at;
        if (at !== -1 && at < end) return html.slice(0, nextLt);
      }
    }
    from = end + 1;
  }
  return html;
}

function htmlToText(html: string): string {
  // Nesting bounded first: html-to-text's parser is quadratic in depth (shared/html-depth.ts).
  return convert(limitHtmlDepth(html), {
    wordwrap: false,
    selectors: [
      { selector: "img", format: "skip" },
      { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
      // Gmail and Apple Mail wrap quoted history in these; the reply parser sees it as quoted.
      { selector: "blockquote", format: "blockquote" },
      { selector: "div.gmail_quote", format: "skip" },
      { selector: "div.gmail_signature", format: "skip" },
      { selector: "#appendonsend", format: "skip" },
      { selector: "#divRplyFwdMsg", format: "skip" },
    ],
  }).trim();
}

/**
 * The text of a multipart message whose parts do not use its declared boundary (a broken
 * client or gateway): each `--something` delimited block is parsed as a part of its own and
 * its text parts kept, so the person's words are not lost to a MIME mistake.
 */
async function salvageText(raw: ArrayBuffer | Uint8Array): Promise<string> {
  const source = new TextDecoder("latin1").decode(raw);
  const body = source.slice(source.search(/\r?\n\r?\n/) + 1);
  // Linear: `--token` is anchored at a line start and its `\s*$` backtracks only over the
  // whitespace after it. Each block is a PostalMime parse, so a body of thousands of tiny
  // `--x` blocks is read only up to MAX_SALVAGED_PARTS of them.
  const blocks = body
    .split(/^--[^\s]+\s*$/m)
    .filter((b) => b.trim())
    .slice(0, MAX_SALVAGED_PARTS);
  if (blocks.length < 2) return "";
  const texts: string[] = [];
  for (const block of blocks) {
    const part = await PostalMime.parse(new TextEncoder().encode(block.replace(/^\r?\n/, ""))).catch(() => null);
    const type = part?.headers.find((h) => h.key === "content-type")?.value ?? "";
    if (part && /^text\/(plain|html)/i.test(type)) {
      texts.push(part.text?.trim() ? part.text : part.html ? htmlToText(part.html) : "");
    }
  }
  return texts.join("\n\n").replace(/\r\n?/g, "\n").trim();
}

/**
 * Parses raw RFC 822 bytes. Throws only on input postal-mime cannot read at all. `counter`
 * adds up the steps of quote, signature and forward detection (for the tests' work budget).
 */
export async function parseMail(raw: ArrayBuffer | Uint8Array, counter?: StepCounter): Promise<ParsedMail> {
  const email = await PostalMime.parse(raw, {
    attachmentEncoding: "arraybuffer",
    maxNestingDepth: MAX_NESTING,
    rfc822Attachments: false,
  });
  const headers = new Map<string, string>();
  for (const h of email.headers) if (!headers.has(h.key)) headers.set(h.key, h.value);
  const from = mailbox(email.from);
  const forward = isForward(email.subject ?? "", email.text ?? email.html ?? "", counter);
  const html = email.html ? (forward ? email.html : cutHtmlQuote(email.html)) : "";
  let fullText = (email.text?.trim() ? email.text : html ? htmlToText(html) : "").replace(/\r\n?/g, "\n");
  if (!fullText.trim() && email.attachments.length === 0) fullText = await salvageText(raw);
  const attachments: InboundAttachment[] = email.attachments.map((a, i) => {
    const content =
      typeof a.content === "string"
        ? new TextEncoder().encode(a.content)
        : a.content instanceof Uint8Array
          ? a.content
          : new Uint8Array(a.content);
    return {
      filename: a.filename?.trim() || `attachment-${i + 1}`,
      mimeType: (a.mimeType || "application/octet-stream").toLowerCase(),
      size: content.byteLength,
      content,
      inline: a.disposition === "inline" || Boolean(a.related && a.contentId),
    };
  });
  return {
    messageId: bareMessageId(email.messageId),
    from: from?.address ?? null,
    fromName: from?.name ?? "",
    subject: (email.subject ?? "").replace(/\s+/g, " ").trim().slice(0, 300),
    inReplyTo: bareMessageId(email.inReplyTo),
    references: (email.references ?? "").match(/<[^<>\s]+>/g)?.map((r) => r.slice(1, -1)) ?? [],
    // A forwarded message is the request itself: keep it whole, with the forwarder's note.
    text: forward || isForward("", fullText, counter) ? fullText.trim() : stripQuotesAndSignature(fullText, counter),
    fullText: fullText.trim(),
    attachments,
    headers,
    email,
  };
}
