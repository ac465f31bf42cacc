/**
 * The words of acknowledgements, per route locale: the request to confirm a new message, and
 * the notice that a known sender's request started. A route adds its own paragraph (`ackText`,
 * admin-written plain text) after the greeting. Nothing the sender wrote is repeated but the
 * subject (one line, bounded, by the caller): the sender may be forged, and we must not carry a
 * stranger's text to anyone.
 */
import type { AckLocale } from "../../db/schema";

interface ConfirmFacts {
  registered: boolean;
  /** The subject as one line, or "" for none. */
  subject: string;
  files: number;
  /** Distinct problems of the attachments that cannot be used. */
  refused: { count: number; problems: string[] };
  ackText: string;
}

const count = (locale: AckLocale, n: number) =>
  locale === "cs"
    ? n === 1
      ? "jednu přílohu"
      : `${n} příloh${n < 5 ? "y" : ""}`
    : n === 1
      ? "one attachment"
      : `${n} attachments`;

const own = (ackText: string) => (ackText.trim() ? ackText.trim().split(/\n{2,}/) : []);

/** The acknowledgement that asks the sender to confirm their message. */
export function confirmAck(locale: AckLocale, f: ConfirmFacts) {
  if (locale === "cs") {
    return {
      paragraphs: [
        "Dobrý den,",
        ...own(f.ackText),
        "StateX přijal váš požadavek e-mailem. Než na něm začneme pracovat, potvrďte prosím, že jste ho poslali vy — e-mailové adresy lze podvrhnout a takto nikdo jiný nemůže čerpat vaši kvótu.",
        f.registered
          ? "Požadavek bude patřit k vašemu účtu StateX."
          : "Potvrzením se pro tuto adresu zároveň založí bezplatný účet StateX, kde můžete své požadavky sledovat; přihlásit se můžete později odkazem zaslaným na tuto adresu.",
        `Váš požadavek: „${f.subject || "(bez předmětu)"}“${f.files ? ` s ${f.files === 1 ? "jednou přílohou" : `${f.files} přílohami`}` : ""}.`,
        ...(f.refused.count
          ? [`Nemůžeme použít ${count("cs", f.refused.count)}: ${f.refused.problems.join("; ")}.`]
          : []),
        "Chcete-li před potvrzením něco doplnit, odpovězte na tuto zprávu. Pokud jste ji neposlali, zprávu ignorujte a nic se nestane.",
      ],
      linkText: "Potvrdit můj požadavek",
      note: "Odkaz platí 7 dní.",
    };
  }
  return {
    paragraphs: [
      "Hello,",
      ...own(f.ackText),
      "StateX received your request by email. Before we work on it, please confirm that you sent it — email addresses can be forged, and this keeps anyone else from spending your quota.",
      f.registered
        ? "It will belong to your StateX account."
        : "Confirming also creates a free StateX account for this address, where you can follow your requests; you can sign in later with a link sent to this address.",
      `Your request: "${f.subject || "(no subject)"}"${f.files ? ` with ${count("en", f.files)}` : ""}.`,
      ...(f.refused.count ? [`We cannot use ${count("en", f.refused.count)}: ${f.refused.problems.join("; ")}.`] : []),
      "To add details before confirming, just reply to this message. If you did not send it, ignore this message and nothing will happen.",
    ],
    linkText: "Confirm my request",
    note: "The link works for 7 days.",
  };
}

/** The acknowledgement that a known sender's request started, with a link to it. */
export function startedAck(locale: AckLocale, f: { subject: string; ackText: string }) {
  if (locale === "cs") {
    return {
      paragraphs: [
        "Dobrý den,",
        ...own(f.ackText),
        `StateX přijal váš požadavek „${f.subject || "(bez předmětu)"}“ z adresy vašeho účtu a už na něm pracuje. Výsledek vám pošleme e-mailem v tomto vlákně.`,
        "Chcete-li něco doplnit, odpovězte na tuto zprávu.",
      ],
      linkText: "Sledovat požadavek",
      note: "Potvrzení jste si v profilu vypnuli pro zprávy z adresy vašeho účtu.",
    };
  }
  return {
    paragraphs: [
      "Hello,",
      ...own(f.ackText),
      `StateX received your request "${f.subject || "(no subject)"}" from your account's address and started work on it. The result will come by email in this thread.`,
      "To add details, just reply to this message.",
    ],
    linkText: "Follow the request",
    note: "Your profile lets requests from your account's address start without confirmation.",
  };
}
