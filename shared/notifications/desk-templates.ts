/**
 * The shipped texts of the desk's events: a staff reply to the customer (`submission.replied`)
 * and a customer's answer to staff (`staff.customer_replied`). Kept beside `templates.ts`, which
 * spreads them into its defaults, so that file stays within its size. The reply's email carries
 * the reply itself (markdown, rendered like a result); the other channels a short notice and
 * the link, since a chat or an SMS is no place for a long answer.
 */
import type { Locale } from "../db/schema";

type Defaults = Record<Locale, { email: { subject: string; body: string }; chat: string; sms: string }>;

export const DESK_TEMPLATE_VARS = {
  "submission.replied": ["name", "id", "link", "requestId", "reply"],
  "staff.customer_replied": ["name", "id", "link", "customer", "channel", "excerpt"],
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
};
