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

/** `<a@b>` or `a@b` to `a@b`. */
export function bareMessageId(value: string | undefined | null): string | null {
  const match = /<([^<>\s]+)>/.exec(value ?? "") ?? /^\s*([^<>\s]+@[^<>\s]+)\s*$/.exec(value ?? "");
  return match?.[1] ?? null;
}

function mailbox(address: Address | undefined): { address: string; name: string } | null {
  if (!address) return null;
  const box = address.address !== undefined ? address : address.group[0];
  if (!box?.address || !/^[^@\s]+@[^@\s]+$/.test(box.address)) return null;
  return { address: box.address.toLowerCase(), name: box.name ?? "" };
}

/**
 * Lines that begin quoted history: "On <date>, <name> wrote:" in the languages our users write
 * (a header may wrap onto a second line), Outlook's header block and separators.
 */
const QUOTE_HEADERS = [
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

/** Sign-offs added by clients, cut when something precedes them. */
const SIGNATURE_LINES = [
  /^-- ?$/m,
  /^Sent from my .+$/im,
  /^Sent from (Outlook|Mail) for .+$/im,
  /^Get Outlook for .+$/im,
  /^Odesláno z(e)? .+$/im,
  /^Von meinem .+ gesendet$/im,
];

/** The new text of a reply: quoted history, quote headers and the signature removed. */
export function stripQuotesAndSignature(text: string): string {
  let visible = text.replace(/\r\n?/g, "\n");
  const cutAt = (patterns: RegExp[]) => {
    let cut = visible.length;
    for (const pattern of patterns) {
      const match = pattern.exec(visible);
      // Never cut everything: a message that is only a quote keeps its text.
      if (match && match.index < cut && visible.slice(0, match.index).trim()) cut = match.index;
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
const FORWARD_MARKER =
  /^(-{5,}\s*(Forwarded message|Přeposlaná zpráva)|Begin forwarded message:|Začátek přeposlané zprávy:)/im;

export function isForward(subject: string, text: string): boolean {
  return FORWARD_SUBJECT.test(subject) || FORWARD_MARKER.test(text);
}

/** Where mail clients start the quoted history in HTML (Outlook, Gmail, Apple Mail, Thunderbird, Yahoo). */
const HTML_QUOTE_MARKERS =
  /<[^>]+(id="appendonsend"|id="divRplyFwdMsg"|class="gmail_quote|type="cite"|class="moz-cite-prefix"|class="yahoo_quoted"|id="mail-editor-reference-message-container")/i;

/** The HTML before the client's quoted history, when the client marked where that begins. */
export function cutHtmlQuote(html: string): string {
  const match = HTML_QUOTE_MARKERS.exec(html);
  return match ? html.slice(0, match.index) : html;
}

function htmlToText(html: string): string {
  return convert(html, {
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
  const blocks = body.split(/^--[^\s]+\s*$/m).filter((b) => b.trim());
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

/** Parses raw RFC 822 bytes. Throws only on input postal-mime cannot read at all. */
export async function parseMail(raw: ArrayBuffer | Uint8Array): Promise<ParsedMail> {
  const email = await PostalMime.parse(raw, {
    attachmentEncoding: "arraybuffer",
    maxNestingDepth: MAX_NESTING,
    rfc822Attachments: false,
  });
  const headers = new Map<string, string>();
  for (const h of email.headers) if (!headers.has(h.key)) headers.set(h.key, h.value);
  const from = mailbox(email.from);
  const forward = isForward(email.subject ?? "", email.text ?? email.html ?? "");
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
    text: forward || isForward("", fullText) ? fullText.trim() : stripQuotesAndSignature(fullText),
    fullText: fullText.trim(),
    attachments,
    headers,
    email,
  };
}
