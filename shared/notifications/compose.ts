/**
 * Composing outgoing email: the `MAIL_FROM` mailbox, the raw RFC 5322 message with text and
 * HTML alternatives, and the short action mails (account links) built from paragraphs and a link.
 */
// The browser build: the node one pulls in mime-types and its 180 KB database, unused here.
import { createMimeMessage, Mailbox } from "mimetext/browser";
import { escapeHtml } from "../markdown";

export interface OutgoingEmail {
  from: { name?: string; addr: string };
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Our Message-ID, without angle brackets. */
  messageId: string;
  headers?: Record<string, string>;
}

/** Parses `Name <addr@host>` or `addr@host` (the `MAIL_FROM` formats). */
export function parseMailbox(value: string): { name?: string; addr: string } {
  const match = /^\s*(?:"?([^"<]*?)"?\s*)?<([^>]+)>\s*$/.exec(value);
  if (match?.[2]) return { name: match[1]?.trim() || undefined, addr: match[2].trim() };
  return { addr: value.trim() };
}

/** Builds the raw RFC 5322 message: text and HTML alternatives, our Message-ID, no auto-replies. */
export function toRaw(mail: OutgoingEmail): string {
  const msg = createMimeMessage();
  msg.setSender(mail.from.name ? { name: mail.from.name, addr: mail.from.addr } : mail.from.addr);
  msg.setRecipient(mail.to);
  msg.setSubject(mail.subject);
  msg.setHeader("Message-ID", `<${mail.messageId}>`);
  // RFC 3834: tells autoresponders not to answer, which prevents mail loops.
  msg.setHeader("Auto-Submitted", "auto-generated");
  for (const [name, value] of Object.entries(mail.headers ?? {})) {
    // mimetext takes address headers as Mailbox objects only.
    msg.setHeader(name, name.toLowerCase() === "reply-to" ? new Mailbox(parseMailbox(value)) : value);
  }
  // mimetext labels but does not encode bodies; base64 keeps any language and any line
  // length within SMTP's 7-bit, 998-octet lines.
  msg.addMessage({ contentType: "text/plain", encoding: "base64", data: base64Lines(mail.text) });
  msg.addMessage({ contentType: "text/html", encoding: "base64", data: base64Lines(mail.html) });
  return msg.asRaw();
}

/** UTF-8 text as base64 in 76-character lines (RFC 2045). */
export function base64Lines(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return (btoa(binary).match(/.{1,76}/g) ?? []).join("\r\n");
}

function layout(title: string, bodyHtml: string, footer: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#1b1f24">
<div style="max-width:640px;margin:0 auto;background:#fff;border-radius:8px;padding:24px 28px;line-height:1.5">
${bodyHtml}
<hr style="border:none;border-top:1px solid #e3e6ea;margin:24px 0">
<p style="font-size:13px;color:#5b6470">${footer}</p>
</div></body></html>`;
}

/** A short transactional mail (account links): paragraphs and one call-to-action link. */
export function actionMail(m: {
  subject: string;
  paragraphs: string[];
  link: string;
  linkText: string;
  footer: string;
}) {
  const text = [...m.paragraphs.flatMap((p) => [p, ""]), `${m.linkText}: ${m.link}`, "", "--", m.footer, ""].join("\n");
  const html = layout(
    m.subject,
    `${m.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("")}<p><a href="${escapeHtml(m.link)}" style="display:inline-block;background:#1d4ed8;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none;font-weight:600">${escapeHtml(m.linkText)}</a></p><p style="font-size:13px;color:#5b6470">Or paste this address into your browser: ${escapeHtml(m.link)}</p>`,
    escapeHtml(m.footer),
  );
  return { subject: m.subject, text, html };
}
