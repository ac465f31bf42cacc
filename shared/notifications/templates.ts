/**
 * Notification texts: each event's placeholders, the shipped default templates in every
 * locale, the template in force (D1 over the default), and rendering one for a channel with
 * its values escaped for that channel's markup.
 */
import { and, eq } from "drizzle-orm";
import { db } from "../db/client";
import { type Channel, LOCALES, type Locale, type NotificationEvent, notificationTemplates } from "../db/schema";
import { escapeHtml } from "../html";
import { renderMarkdown } from "../markdown";
import { ALERT_DEFAULT_TEMPLATES, ALERT_TEMPLATE_VARS } from "../slo/alert-templates";
import { DESK_TEMPLATE_VARS, DESK_TEMPLATES } from "./desk-templates";

/** A template: `subject` (email only) and `body`, with `{{name}}` placeholders. */
export interface Template {
  subject: string;
  body: string;
}

/** The placeholders each event offers; anything else in a template is refused when saved. */
export const TEMPLATE_VARS: Record<NotificationEvent, readonly string[]> = {
  "submission.received": ["name", "id", "link", "requestId"],
  "submission.completed": ["name", "id", "link", "requestId", "summary", "result"],
  "submission.failed": ["name", "id", "link", "requestId", "reason"],
  "submission.cancelled": ["name", "id", "link", "requestId"],
  "submission.needs_review": ["name", "id", "link", "requestId"],
  "account.password_changed": ["name", "link", "time"],
  "account.api_key_created": ["name", "link", "keyName", "time"],
  "digest.daily": ["name", "link", "count", "items", "date"],
  "staff.new_request": ["name", "id", "link", "customer", "source", "excerpt"],
  ...DESK_TEMPLATE_VARS,
  ...ALERT_TEMPLATE_VARS,
};

type Defaults = Record<Locale, { email: Template; chat: string; sms: string }>;

/**
 * The shipped text of every event. The migration seeds D1 with these (one row per event,
 * channel and locale); they remain the fallback when a row is missing.
 */
export const DEFAULT_TEMPLATES: Record<NotificationEvent, Defaults> = {
  "submission.received": {
    en: {
      email: {
        subject: "We received your StateX request ({{id}})",
        body: "Hello {{name}},\n\nwe received your request and are working on it. We will tell you when the result is ready.\n\nFollow it here: {{link}}",
      },
      chat: "StateX received your request {{id}}. Follow it: {{link}}",
      sms: "StateX received your request {{id}}. {{link}}",
    },
    cs: {
      email: {
        subject: "Přijali jsme váš požadavek StateX ({{id}})",
        body: "Dobrý den {{name}},\n\nváš požadavek jsme přijali a pracujeme na něm. Až bude výsledek hotový, dáme vám vědět.\n\nSledujte ho zde: {{link}}",
      },
      chat: "StateX přijal váš požadavek {{id}}. Sledujte ho: {{link}}",
      sms: "StateX prijal vas pozadavek {{id}}. {{link}}",
    },
  },
  "submission.completed": {
    en: {
      email: {
        subject: "Your StateX result is ready ({{id}})",
        body: "Hello {{name}},\n\nyour request has been processed. The result is below.\n\n{{result}}\n\nRequest {{id}}: {{link}}",
      },
      chat: "Your StateX result is ready ({{id}}).\n\n{{summary}}\n\nRead it: {{link}}",
      sms: "Your StateX result is ready: {{summary}} {{link}}",
    },
    cs: {
      email: {
        subject: "Váš výsledek StateX je hotový ({{id}})",
        body: "Dobrý den {{name}},\n\nváš požadavek jsme zpracovali. Výsledek najdete níže.\n\n{{result}}\n\nPožadavek {{id}}: {{link}}",
      },
      chat: "Váš výsledek StateX je hotový ({{id}}).\n\n{{summary}}\n\nPřečtěte si ho: {{link}}",
      sms: "Vysledek StateX je hotovy: {{summary}} {{link}}",
    },
  },
  "submission.failed": {
    en: {
      email: {
        subject: "We could not complete your StateX request ({{id}})",
        body: "Hello {{name}},\n\nwe are sorry: your request could not be completed.\n\nReason: {{reason}}\n\nIf you contact us, quote request id {{requestId}}.\n\nRequest {{id}}: {{link}}",
      },
      chat: "We could not complete your StateX request {{id}}: {{reason}}\n{{link}}",
      sms: "StateX could not complete request {{id}}: {{reason}} {{link}}",
    },
    cs: {
      email: {
        subject: "Váš požadavek StateX se nepodařilo dokončit ({{id}})",
        body: "Dobrý den {{name}},\n\nomlouváme se: váš požadavek se nepodařilo dokončit.\n\nDůvod: {{reason}}\n\nPokud nás budete kontaktovat, uveďte id {{requestId}}.\n\nPožadavek {{id}}: {{link}}",
      },
      chat: "Váš požadavek StateX {{id}} se nepodařilo dokončit: {{reason}}\n{{link}}",
      sms: "StateX nedokoncil pozadavek {{id}}: {{reason}} {{link}}",
    },
  },
  "submission.cancelled": {
    en: {
      email: {
        subject: "Your StateX request was cancelled ({{id}})",
        body: "Hello {{name}},\n\nyour request was cancelled as asked; nothing more will be done with it.\n\nIf this was not you, quote request id {{requestId}} when you contact us.\n\nRequest {{id}}: {{link}}",
      },
      chat: "Your StateX request {{id}} was cancelled. {{link}}",
      sms: "StateX request {{id}} was cancelled. {{link}}",
    },
    cs: {
      email: {
        subject: "Váš požadavek StateX byl zrušen ({{id}})",
        body: "Dobrý den {{name}},\n\nváš požadavek byl na vaši žádost zrušen; nic dalšího s ním neuděláme.\n\nPokud jste to nebyli vy, uveďte při kontaktu id {{requestId}}.\n\nPožadavek {{id}}: {{link}}",
      },
      chat: "Váš požadavek StateX {{id}} byl zrušen. {{link}}",
      sms: "Pozadavek StateX {{id}} byl zrusen. {{link}}",
    },
  },
  "submission.needs_review": {
    en: {
      email: {
        subject: "Your StateX request is being reviewed ({{id}})",
        body: "Hello {{name}},\n\nthe result of your request is ready and waits for a reviewer. We will send it as soon as it is approved.\n\nRequest {{id}}: {{link}}",
      },
      chat: "Your StateX request {{id}} waits for a reviewer. {{link}}",
      sms: "StateX request {{id}} waits for review. {{link}}",
    },
    cs: {
      email: {
        subject: "Váš požadavek StateX čeká na kontrolu ({{id}})",
        body: "Dobrý den {{name}},\n\nvýsledek vašeho požadavku je připravený a čeká na kontrolu. Pošleme vám ho, jakmile bude schválen.\n\nPožadavek {{id}}: {{link}}",
      },
      chat: "Váš požadavek StateX {{id}} čeká na kontrolu. {{link}}",
      sms: "Pozadavek StateX {{id}} ceka na kontrolu. {{link}}",
    },
  },
  "account.password_changed": {
    en: {
      email: {
        subject: "Your StateX password was changed",
        body: "Hello {{name}},\n\nthe password of your StateX account was changed at {{time}}. Every other session was signed out.\n\nIf this was not you, reset your password at once: {{link}}",
      },
      chat: "Your StateX password was changed at {{time}}. Not you? {{link}}",
      sms: "Your StateX password was changed at {{time}}. Not you? {{link}}",
    },
    cs: {
      email: {
        subject: "Heslo k vašemu účtu StateX bylo změněno",
        body: "Dobrý den {{name}},\n\nheslo k vašemu účtu StateX bylo změněno ({{time}}). Ostatní přihlášení byla ukončena.\n\nPokud jste to nebyli vy, ihned si heslo obnovte: {{link}}",
      },
      chat: "Heslo k účtu StateX bylo změněno ({{time}}). Nebyli jste to vy? {{link}}",
      sms: "Heslo StateX bylo zmeneno ({{time}}). Nebyli jste to vy? {{link}}",
    },
  },
  "account.api_key_created": {
    en: {
      email: {
        subject: "A new StateX API key was created",
        body: 'Hello {{name}},\n\na new API key "{{keyName}}" was created for your StateX account at {{time}}.\n\nIf this was not you, revoke it: {{link}}',
      },
      chat: 'A new StateX API key "{{keyName}}" was created at {{time}}. {{link}}',
      sms: 'New StateX API key "{{keyName}}" created at {{time}}. {{link}}',
    },
    cs: {
      email: {
        subject: "Byl vytvořen nový klíč API StateX",
        body: "Dobrý den {{name}},\n\nk vašemu účtu StateX byl vytvořen nový klíč API „{{keyName}}“ ({{time}}).\n\nPokud jste to nebyli vy, zrušte ho: {{link}}",
      },
      chat: "Byl vytvořen nový klíč API StateX „{{keyName}}“ ({{time}}). {{link}}",
      sms: "Novy klic API StateX {{keyName}} ({{time}}). {{link}}",
    },
  },
  "digest.daily": {
    en: {
      email: {
        subject: "Your StateX results of {{date}} ({{count}})",
        body: "Hello {{name}},\n\n{{count}} of your requests were completed on {{date}}:\n\n{{items}}\n\nAll your requests: {{link}}",
      },
      chat: "{{count}} StateX requests were completed on {{date}}:\n{{items}}\n{{link}}",
      sms: "{{count}} StateX requests completed on {{date}}. {{link}}",
    },
    cs: {
      email: {
        subject: "Vaše výsledky StateX ze dne {{date}} ({{count}})",
        body: "Dobrý den {{name}},\n\ndne {{date}} bylo dokončeno {{count}} vašich požadavků:\n\n{{items}}\n\nVšechny vaše požadavky: {{link}}",
      },
      chat: "Dne {{date}} bylo dokončeno {{count}} požadavků StateX:\n{{items}}\n{{link}}",
      sms: "{{count}} pozadavku StateX dokonceno {{date}}. {{link}}",
    },
  },
  "staff.new_request": {
    en: {
      email: {
        subject: "New request from {{customer}} ({{id}})",
        body: "Hello {{name}},\n\na new request arrived by {{source}} from {{customer}}:\n\n> {{excerpt}}\n\nOpen it: {{link}}",
      },
      chat: "New StateX request from {{customer}} by {{source}} ({{id}}): {{excerpt}}\n{{link}}",
      sms: "New StateX request from {{customer}} ({{id}}). {{link}}",
    },
    cs: {
      email: {
        subject: "Nový požadavek od {{customer}} ({{id}})",
        body: "Dobrý den {{name}},\n\npřišel nový požadavek ({{source}}) od {{customer}}:\n\n> {{excerpt}}\n\nOtevřete ho: {{link}}",
      },
      chat: "Nový požadavek StateX od {{customer}} ({{source}}, {{id}}): {{excerpt}}\n{{link}}",
      sms: "Novy pozadavek StateX od {{customer}} ({{id}}). {{link}}",
    },
  },
  ...DESK_TEMPLATES,
  ...ALERT_DEFAULT_TEMPLATES,
};

/** The shipped default of one event on one channel in one locale. */
export function defaultTemplate(event: NotificationEvent, channel: Channel, locale: Locale): Template {
  const d = DEFAULT_TEMPLATES[event][locale];
  if (channel === "email") return d.email;
  return { subject: d.email.subject, body: channel === "sms" ? d.sms : d.chat };
}

export const toLocale = (value: string | null | undefined): Locale =>
  (LOCALES as readonly string[]).includes((value ?? "").slice(0, 2).toLowerCase())
    ? ((value ?? "").slice(0, 2).toLowerCase() as Locale)
    : "en";

/** The template in force: the D1 row, else the shipped default. */
export async function loadTemplate(
  env: Env,
  event: NotificationEvent,
  channel: Channel,
  locale: Locale,
): Promise<Template> {
  const [row] = await db(env.DB)
    .select({ subject: notificationTemplates.subject, body: notificationTemplates.body })
    .from(notificationTemplates)
    .where(
      and(
        eq(notificationTemplates.event, event),
        eq(notificationTemplates.channel, channel),
        eq(notificationTemplates.locale, locale),
      ),
    )
    .limit(1);
  return row ?? defaultTemplate(event, channel, locale);
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

/** Placeholders a template uses that the event does not offer. */
export function unknownPlaceholders(event: NotificationEvent, text: string): string[] {
  const allowed = TEMPLATE_VARS[event];
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ""))].filter((n) => !allowed.includes(n));
}

/**
 * Fills `{{name}}` placeholders: the template's own text goes through `literal`, each value
 * through `value` — so values are always escaped for the target, and the template text is
 * escaped where its markup must not be trusted either. No code runs, nothing is evaluated.
 */
export function fill(
  template: string,
  vars: Record<string, string>,
  value: (s: string, name: string) => string = (s) => s,
  literal: (s: string) => string = (s) => s,
): string {
  let out = "";
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    out += literal(template.slice(last, m.index));
    const name = m[1] ?? "";
    out += value(vars[name] ?? "", name);
    last = (m.index ?? 0) + m[0].length;
  }
  return out + literal(template.slice(last));
}

/** Telegram HTML parse mode: only `<`, `>` and `&` need escaping. */
export const escapeTelegramHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
/** Slack mrkdwn: `&`, `<`, `>` are control characters (links, mentions). */
export const escapeSlack = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
/** Discord markdown: backslash-escape formatting characters; mentions are disabled on send. */
export const escapeDiscord = (s: string) => s.replace(/([\\*_~`|>#[\]()-])/g, "\\$1").replace(/@/g, "@\u200b");

/** One message rendered for a channel. */
export interface Rendered {
  subject: string;
  text: string;
  html?: string;
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

/** Values that are markdown (a result, a staff reply): rendered sanitised into the HTML part. */
const MARKDOWN_VARS = ["result", "reply"];
const marker = (name: string) => `\u0000${name}\u0000`;

/** Turns escaped text into HTML paragraphs with clickable https links. */
function paragraphs(escaped: string): string {
  return escaped
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) =>
      MARKDOWN_VARS.some((name) => p === marker(name))
        ? p
        : `<p>${p.replace(/\n/g, "<br>").replace(/https?:\/\/[^\s<>"']+/g, (url) => `<a href="${url}">${url}</a>`)}</p>`,
    )
    .join("\n");
}

function emailLayout(title: string, bodyHtml: string, footerHtml: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#1b1f24">
<div style="max-width:640px;margin:0 auto;background:#fff;border-radius:8px;padding:24px 28px;line-height:1.5">
${bodyHtml}
<hr style="border:none;border-top:1px solid #e3e6ea;margin:24px 0">
<p style="font-size:13px;color:#5b6470">${footerHtml}</p>
</div></body></html>`;
}

const FOOTER: Record<Locale, { why: string; unsubscribe: string }> = {
  en: { why: "You received this because of your StateX account.", unsubscribe: "Unsubscribe from these messages" },
  cs: { why: "Tuto zprávu dostáváte kvůli svému účtu StateX.", unsubscribe: "Odhlásit odběr těchto zpráv" },
};

/**
 * Renders a template for a channel with that channel's escaping: HTML for the email's HTML
 * part (the `{{result}}` block as sanitised markdown), Telegram HTML, Slack mrkdwn, Discord
 * markdown, plain text for SMS and WhatsApp and the email's text part.
 */
export function renderFor(
  channel: Channel,
  template: Template,
  vars: Record<string, string>,
  options: { locale: Locale; unsubscribeUrl?: string },
): Rendered {
  const subject = oneLine(fill(template.subject, vars));
  const plain = fill(template.body, vars).trim();
  // Chat messages end with the per-message unsubscribe link, escaped for the channel.
  const stop = (esc: (s: string) => string) =>
    options.unsubscribeUrl ? `\n\n${esc(`${FOOTER[options.locale].unsubscribe}: ${options.unsubscribeUrl}`)}` : "";
  switch (channel) {
    case "email": {
      const footer = FOOTER[options.locale];
      const text = `${plain}\n\n--\n${footer.why}${options.unsubscribeUrl ? `\n${footer.unsubscribe}: ${options.unsubscribeUrl}` : ""}\n`;
      const escaped = fill(
        template.body,
        vars,
        (v, name) => (MARKDOWN_VARS.includes(name) ? marker(name) : escapeHtml(v)),
        escapeHtml,
      );
      const body = MARKDOWN_VARS.reduce(
        (html, name) => html.replace(marker(name), () => renderMarkdown(vars[name] ?? "")),
        paragraphs(escaped.trim()),
      );
      const footerHtml = `${escapeHtml(footer.why)}${
        options.unsubscribeUrl
          ? ` <a href="${escapeHtml(options.unsubscribeUrl)}">${escapeHtml(footer.unsubscribe)}</a>`
          : ""
      }`;
      return { subject, text, html: emailLayout(subject, body, footerHtml) };
    }
    case "telegram":
      return {
        subject,
        text: `<b>${escapeTelegramHtml(subject)}</b>\n\n${fill(template.body, vars, escapeTelegramHtml, escapeTelegramHtml).trim()}${stop(escapeTelegramHtml)}`,
      };
    case "slack":
      return { subject, text: `${fill(template.body, vars, escapeSlack).trim()}${stop(escapeSlack)}` };
    case "discord":
      // A link in <> is not unfurled; the URL itself needs no markdown escaping.
      return {
        subject,
        text: `${fill(template.body, vars, escapeDiscord).trim()}${options.unsubscribeUrl ? `\n\n${escapeDiscord(FOOTER[options.locale].unsubscribe)}: <${options.unsubscribeUrl}>` : ""}`,
      };
    case "whatsapp":
      return { subject, text: `${plain}${stop((x) => x)}` };
    case "sms":
      // SMS stays short: carriers' STOP keyword (Twilio answers it) is the way out.
      return { subject, text: plain };
  }
}
