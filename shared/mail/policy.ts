/**
 * What an inbound message is, before anything acts on it: a bounce or complaint (a report
 * about mail we sent), automatic mail never to be answered (loops), or a person's message.
 * Sender identity is never decided here: headers can be forged, so identity comes only from
 * signed tokens (`address.ts`, `confirm.ts`). Nor is a report believed here: anyone can write
 * one, so `reports.ts` trusts it only when the original it quotes is in our sent log.
 */
import type { ParsedMail } from "./parse";

export type MailKind =
  | { kind: "bounce"; recipients: BouncedRecipient[]; reason: string }
  | { kind: "complaint"; recipients: BouncedRecipient[]; reason: string }
  | { kind: "automatic"; reason: string }
  | { kind: "person" };

export interface BouncedRecipient {
  address: string;
  /** `hard`: permanent (5.x.x, e.g. no such user); `soft`: temporary, not suppressed. */
  severity: "hard" | "soft";
  status: string;
  diagnostic: string;
}

const AUTOMATIC_SENDERS = /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply)([+@-]|$)/i;

function decode(content: Uint8Array | ArrayBuffer | string): string {
  if (typeof content === "string") return content;
  return new TextDecoder().decode(content);
}

/**
 * Per-recipient fields of a `message/delivery-status` body (RFC 3464): blocks separated by
 * blank lines; the first is about the message, the rest one per recipient.
 */
export function parseDeliveryStatus(body: string): BouncedRecipient[] {
  const out: BouncedRecipient[] = [];
  const blocks = body
    .replace(/\r\n?/g, "\n")
    .replace(/\n[ \t]+/g, " ")
    .split(/\n\s*\n/);
  for (const block of blocks) {
    const fields = new Map<string, string>();
    for (const line of block.split("\n")) {
      const at = line.indexOf(":");
      if (at > 0) fields.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
    }
    const recipient = fields.get("final-recipient") ?? fields.get("original-recipient");
    if (!recipient) continue;
    const address = recipient
      .replace(/^[^;]*;\s*/, "")
      .replace(/[<>]/g, "")
      .trim()
      .toLowerCase();
    if (!/^[^@\s]+@[^@\s]+$/.test(address)) continue;
    const action = (fields.get("action") ?? "").toLowerCase();
    const status = fields.get("status") ?? "";
    if (action && action !== "failed" && action !== "delayed") continue; // delivered, relayed, expanded
    out.push({
      address,
      severity: action === "failed" && status.startsWith("5") ? "hard" : "soft",
      status,
      diagnostic: (fields.get("diagnostic-code") ?? "").slice(0, 300),
    });
  }
  return out;
}

/**
 * The first address of the first `To:` line that has one: what `/^To:.*?<?([^<>\s,]+@[^<>\s,]+)>?/im`
 * captures (the first run of address characters after `To:` with an `@` inside it), in linear
 * time. That regex is quadratic on a long `To:` line with no address (each start of `.*?`
 * rescans the run), and a forged complaint can carry one in its attached message.
 */
export function firstToAddress(headers: string): string | null {
  for (const line of headers.split(/\r\n|[\n\r\u2028\u2029]/)) {
    if (!/^to:/i.test(line)) continue;
    for (const run of line.slice(3).split(/[<>\s,]+/)) if (run.slice(1, -1).includes("@")) return run;
  }
  return null;
}

/** The complained-about recipient of an ARF report (RFC 5965). */
function parseFeedbackReport(mail: ParsedMail): BouncedRecipient[] {
  const report = mail.email.attachments.find((a) => a.mimeType.toLowerCase() === "message/feedback-report");
  const original = mail.email.attachments.find((a) => /^(message\/rfc822|text\/rfc822-headers)$/i.test(a.mimeType));
  const fromReport = report ? /^Original-Rcpt-To:\s*<?([^>\s]+@[^>\s]+)>?/im.exec(decode(report.content))?.[1] : null;
  const fromOriginal = original ? firstToAddress(decode(original.content)) : null;
  const address = (fromReport ?? fromOriginal)?.toLowerCase();
  return address ? [{ address, severity: "hard", status: "complaint", diagnostic: "feedback report" }] : [];
}

/** Parts that carry the original message (or its headers) inside a DSN or an ARF report. */
const ORIGINAL_PARTS = /^(message\/rfc822|text\/rfc822-headers|message\/global|message\/global-headers)$/i;
const QUOTED_ID = /^Message-ID:[ \t]*(?:\r?\n[ \t]+)?<([^<>\s]{1,250})>/gim;
/** Message-IDs collected from one report at most; each costs a lookup. */
const MAX_IDS = 5;

/**
 * The Message-IDs of the original message a report quotes: from its `text/rfc822-headers` or
 * `message/rfc822` part (decoded by postal-mime when it is an attachment), else from any
 * `Message-ID:` header line below the report's own headers (postal-mime parses an inline
 * `message/rfc822` into the body, headers gone). Attacker-controlled either way — what makes a
 * report trusted is that the id is one we sent to that address — so the scan is only bounded:
 * one linear pass, at most `MAX_IDS` ids.
 */
export function quotedMessageIds(mail: ParsedMail, raw: Uint8Array): string[] {
  const ids = new Set<string>();
  const collect = (text: string) => {
    for (const match of text.matchAll(QUOTED_ID)) {
      if (ids.size >= MAX_IDS) return;
      const id = match[1];
      if (id && id !== mail.messageId) ids.add(id);
    }
  };
  for (const part of mail.email.attachments) {
    if (ORIGINAL_PARTS.test(part.mimeType)) collect(decode(part.content).split(/\r?\n\r?\n/, 1)[0] ?? "");
  }
  if (ids.size < MAX_IDS) {
    const text = new TextDecoder("latin1").decode(raw);
    const end = /\r?\n\r?\n/.exec(text);
    if (end) collect(text.slice(end.index + end[0].length));
  }
  return [...ids];
}

/** Decides what kind of mail this is. `ourAddresses`: every address we send from. */
export function classify(mail: ParsedMail, envelopeFrom: string, ourAddresses: string[]): MailKind {
  const h = mail.headers;
  const contentType = (h.get("content-type") ?? "").toLowerCase();
  const reportType = /report-type\s*=\s*"?([\w-]+)/.exec(contentType)?.[1];
  if (contentType.startsWith("multipart/report") && reportType === "feedback-report") {
    return { kind: "complaint", recipients: parseFeedbackReport(mail), reason: "feedback report (complaint)" };
  }
  const statusPart = mail.email.attachments.find((a) => a.mimeType.toLowerCase() === "message/delivery-status");
  if ((contentType.startsWith("multipart/report") && reportType === "delivery-status") || statusPart) {
    const recipients = statusPart ? parseDeliveryStatus(decode(statusPart.content)) : [];
    return { kind: "bounce", recipients, reason: "delivery status notification" };
  }
  const envelope = envelopeFrom.toLowerCase();
  if (envelope === "" || envelope === "<>" || /^(mailer-daemon|postmaster)@/.test(envelope)) {
    return { kind: "bounce", recipients: [], reason: `bounce without a delivery report (from ${envelope || "<>"})` };
  }
  const autoSubmitted = (h.get("auto-submitted") ?? "no").toLowerCase();
  if (autoSubmitted !== "no") return { kind: "automatic", reason: `Auto-Submitted: ${autoSubmitted}` };
  const precedence = (h.get("precedence") ?? "").toLowerCase();
  if (["bulk", "junk", "list", "auto_reply"].includes(precedence)) {
    return { kind: "automatic", reason: `Precedence: ${precedence}` };
  }
  const suppress = (h.get("x-auto-response-suppress") ?? "").toLowerCase();
  if (suppress && suppress !== "none") return { kind: "automatic", reason: `X-Auto-Response-Suppress: ${suppress}` };
  for (const name of ["x-autoreply", "x-autorespond", "x-autoresponder", "x-loop", "list-id", "feedback-id"]) {
    if (h.has(name)) return { kind: "automatic", reason: `${name} header` };
  }
  const from = mail.from ?? "";
  if (AUTOMATIC_SENDERS.test(from) || AUTOMATIC_SENDERS.test(envelope)) {
    return { kind: "automatic", reason: `automatic sender ${from || envelope}` };
  }
  const ours = ourAddresses.map((a) => a.toLowerCase());
  const base = (address: string) => address.replace(/\+[^@]*@/, "@");
  if (ours.some((o) => base(o) === base(from) || base(o) === base(envelope))) {
    return { kind: "automatic", reason: "mail from our own address (loop)" };
  }
  return { kind: "person" };
}
