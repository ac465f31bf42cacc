/**
 * The shipped texts of the desk's events: a staff reply to the customer (`submission.replied`),
 * a customer's answer to staff (`staff.customer_replied`) and an AI draft waiting for staff
 * (`staff.draft_ready`). Kept beside `templates.ts`, which
 * spreads them into its defaults, so that file stays within its size. The reply's email carries
 * the reply itself (markdown, rendered like a result); the other channels a short notice and
 * the link, since a chat or an SMS is no place for a long answer.
 */
import type { Locale } from "../db/schema";

type Defaults = Record<Locale, { email: { subject: string; body: string }; chat: string; sms: string }>;

export const DESK_TEMPLATE_VARS = {
  "submission.replied": ["name", "id", "link", "requestId", "reply"],
  "staff.customer_replied": ["name", "id", "link", "customer", "channel", "excerpt"],
  "staff.draft_ready": ["name", "id", "link", "customer", "source", "excerpt"],
  "staff.digest": ["name", "link", "count", "items", "date"],
} as const;

export const DESK_TEMPLATES: Record<keyof typeof DESK_TEMPLATE_VARS, Defaults> = {
  "submission.replied": {
    en: {
      email: {
        subject: "A reply to your StateX request ({{id}})",
        body: "Hello {{name}},\n\n{{reply}}\n\nAnswer by replying to this email, or on your request's page: {{link}}",
      },
      chat: "StateX replied to your request {{id}}. Read it and answer: {{link}}",
      sms: "StateX replied to your request {{id}}: {{link}}",
    },
    cs: {
      email: {
        subject: "Odpověď na váš požadavek StateX ({{id}})",
        body: "Dobrý den {{name}},\n\n{{reply}}\n\nOdpovědět můžete na tento e-mail, nebo na stránce požadavku: {{link}}",
      },
      chat: "StateX odpověděl na váš požadavek {{id}}. Přečtěte si odpověď: {{link}}",
      sms: "StateX odpovedel na pozadavek {{id}}: {{link}}",
    },
  },
  "staff.customer_replied": {
    en: {
      email: {
        subject: "{{customer}} answered ({{id}})",
        body: "Hello {{name}},\n\n{{customer}} answered by {{channel}} in request {{id}}:\n\n> {{excerpt}}\n\nOpen it: {{link}}",
      },
      chat: "{{customer}} answered by {{channel}} in StateX request {{id}}: {{excerpt}}\n{{link}}",
      sms: "{{customer}} answered in StateX request {{id}}. {{link}}",
    },
    cs: {
      email: {
        subject: "{{customer}} odpověděl(a) ({{id}})",
        body: "Dobrý den {{name}},\n\n{{customer}} odpověděl(a) ({{channel}}) v požadavku {{id}}:\n\n> {{excerpt}}\n\nOtevřete ho: {{link}}",
      },
      chat: "{{customer}} odpověděl(a) ({{channel}}) v požadavku StateX {{id}}: {{excerpt}}\n{{link}}",
      sms: "{{customer}} odpovedel(a) v pozadavku StateX {{id}}. {{link}}",
    },
  },
  "staff.draft_ready": {
    en: {
      email: {
        subject: "A draft waits for review ({{id}})",
        body: "Hello {{name}},\n\nThe AI's answer to {{customer}}'s request {{id}} (by {{source}}) waits for review:\n\n> {{excerpt}}\n\nEdit and send it, or discard it and answer yourself, on the desk: {{link}}",
      },
      chat: "A StateX draft waits for review: {{customer}}, request {{id}}.\n{{link}}",
      sms: "StateX draft waits for review: request {{id}}. {{link}}",
    },
    cs: {
      email: {
        subject: "Koncept čeká na kontrolu ({{id}})",
        body: "Dobrý den {{name}},\n\nOdpověď AI na požadavek {{id}} od {{customer}} ({{source}}) čeká na kontrolu:\n\n> {{excerpt}}\n\nUpravte ji a odešlete, nebo ji zahoďte a odpovězte sami, na pultu: {{link}}",
      },
      chat: "Koncept StateX čeká na kontrolu: {{customer}}, požadavek {{id}}.\n{{link}}",
      sms: "Koncept StateX ceka na kontrolu: pozadavek {{id}}. {{link}}",
    },
  },
  "staff.digest": {
    en: {
      email: {
        subject: "New StateX requests of {{date}} ({{count}})",
        body: "Hello {{name}},\n\n{{count}} requests arrived on {{date}}:\n\n{{items}}\n\nThe desk: {{link}}",
      },
      chat: "{{count}} StateX requests arrived on {{date}}:\n{{items}}\n{{link}}",
      sms: "{{count}} StateX requests arrived on {{date}}. {{link}}",
    },
    cs: {
      email: {
        subject: "Nové požadavky StateX ze dne {{date}} ({{count}})",
        body: "Dobrý den {{name}},\n\ndne {{date}} přišlo {{count}} požadavků:\n\n{{items}}\n\nPult: {{link}}",
      },
      chat: "Dne {{date}} přišlo {{count}} požadavků StateX:\n{{items}}\n{{link}}",
      sms: "Dne {{date}} prislo {{count}} pozadavku StateX. {{link}}",
    },
  },
};
