/**
 * The shipped texts of the two alert events, in every locale, and the placeholders they offer.
 * Kept beside the alert rules rather than among the customer-facing texts; the notification
 * templates (shared/notifications/templates.ts) spread them into their tables, so admins edit
 * them like any other template.
 */
import type { Locale } from "../db/schema";

type AlertEvent = "alert.firing" | "alert.resolved";
type Texts = Record<Locale, { email: { subject: string; body: string }; chat: string; sms: string }>;

/** Placeholders of the alert events (shared/slo/alert-vars.ts fills them). */
export const ALERT_TEMPLATE_VARS: Record<AlertEvent, readonly string[]> = {
  "alert.firing": ["name", "summary", "rule", "severity", "since", "link"],
  "alert.resolved": ["name", "summary", "rule", "severity", "since", "resolved", "link"],
};

export const ALERT_DEFAULT_TEMPLATES: Record<AlertEvent, Texts> = {
  "alert.firing": {
    en: {
      email: {
        subject: "[StateX alert, {{severity}}] {{summary}}",
        body: "Hello {{name}},\n\nan alert is firing since {{since}}:\n\n{{summary}}\n\nRule: {{rule}}. You will be told once more when it clears.\n\nAlerts: {{link}}",
      },
      chat: "StateX alert ({{severity}}) since {{since}}: {{summary}}\n{{link}}",
      sms: "StateX alert ({{severity}}): {{summary}} {{link}}",
    },
    cs: {
      email: {
        subject: "[Upozornění StateX, {{severity}}] {{summary}}",
        body: "Dobrý den {{name}},\n\nod {{since}} platí upozornění:\n\n{{summary}}\n\nPravidlo: {{rule}}. Až pomine, dáme vám vědět.\n\nUpozornění: {{link}}",
      },
      chat: "Upozornění StateX ({{severity}}) od {{since}}: {{summary}}\n{{link}}",
      sms: "Upozorneni StateX ({{severity}}): {{summary}} {{link}}",
    },
  },
  "alert.resolved": {
    en: {
      email: {
        subject: "[StateX resolved] {{summary}}",
        body: "Hello {{name}},\n\nthe alert that fired at {{since}} cleared at {{resolved}}:\n\n{{summary}}\n\nRule: {{rule}}.\n\nAlerts: {{link}}",
      },
      chat: "StateX alert resolved at {{resolved}} (firing since {{since}}): {{summary}}\n{{link}}",
      sms: "StateX resolved: {{summary}} {{link}}",
    },
    cs: {
      email: {
        subject: "[StateX vyřešeno] {{summary}}",
        body: "Dobrý den {{name}},\n\nupozornění z {{since}} pominulo v {{resolved}}:\n\n{{summary}}\n\nPravidlo: {{rule}}.\n\nUpozornění: {{link}}",
      },
      chat: "Upozornění StateX pominulo v {{resolved}} (od {{since}}): {{summary}}\n{{link}}",
      sms: "StateX vyreseno: {{summary}} {{link}}",
    },
  },
};
