/**
 * The data behind the spam rules (`content.ts`, `links.ts`): known scam phrases in the
 * languages StateX's customers write (English, Czech), URL shorteners, and the attachment
 * types that run code. Lists, not code, so they can be read and extended in one place;
 * deployments add phrases of their own with `SPAM_PHRASES` (one per line or `|`-separated).
 * Phrases are compared case-folded and without diacritics (spam often drops the háčky), so
 * each is written here in that form.
 */

/**
 * Phrases of advance-fee, phishing, invoice and extortion mail. Each is several words long: a
 * single word ("invoice", "urgent") is what real customers write too.
 */
export const SCAM_PHRASES: readonly string[] = [
  // English: account phishing
  "verify your account",
  "confirm your identity",
  "your account has been suspended",
  "your account will be suspended",
  "your account will be closed",
  "unusual sign-in activity",
  "unusual activity on your account",
  "update your payment information",
  "update your billing information",
  "your password will expire",
  "your mailbox is full",
  "mailbox storage limit",
  "click here to verify",
  "click the link below to verify",
  "failure to do so will result",
  "within 24 hours or",
  "avoid permanent suspension",
  "reactivate your account",
  // English: money, prizes, advance fee
  "you have won",
  "you have been selected",
  "claim your prize",
  "claim your reward",
  "lottery winner",
  "inheritance fund",
  "next of kin",
  "beneficiary of the sum",
  "wire the funds",
  "processing fee",
  "western union",
  "bitcoin wallet",
  "send bitcoin",
  "guaranteed returns",
  "risk-free investment",
  "double your investment",
  "make money from home",
  "100% free",
  "limited time offer",
  "no credit check",
  // English: invoices, payments, extortion
  "overdue invoice attached",
  "outstanding balance immediately",
  "payment is overdue",
  "new bank details",
  "change of bank details",
  "updated banking details",
  "kindly remit",
  "kindly confirm receipt of payment",
  "i have access to your device",
  "i recorded you",
  "through your webcam",
  "buy gift cards",
  // Czech (without diacritics)
  "overte svuj ucet",
  "overeni vaseho uctu",
  "vas ucet byl zablokovan",
  "vas ucet bude zablokovan",
  "vas ucet bude zrusen",
  "aktualizujte sve platebni udaje",
  "neobvykla aktivita",
  "kliknete na odkaz nize",
  "do 24 hodin, jinak",
  "vyhrali jste",
  "byli jste vybrani",
  "vyzvednete si svou vyhru",
  "zaruceny vynos",
  "zcela bez rizika",
  "rychly vydelek",
  "vydelek z domova",
  "nove bankovni spojeni",
  "zmena bankovniho uctu",
  "neuhrazena faktura v priloze",
  "okamzite uhradte",
  "poplatek za zpracovani",
  "vase schranka je plna",
  "vase heslo vyprsi",
  "kupte darkove karty",
];

/** Hosts of URL shorteners: a link whose destination its text hides. */
export const URL_SHORTENERS: ReadonlySet<string> = new Set([
  "bit.ly",
  "bitly.com",
  "tinyurl.com",
  "t.co",
  "goo.gl",
  "ow.ly",
  "is.gd",
  "buff.ly",
  "rebrand.ly",
  "cutt.ly",
  "shorturl.at",
  "rb.gy",
  "t.ly",
  "tiny.cc",
  "s.id",
  "v.gd",
  "bl.ink",
  "short.io",
  "lnkd.in",
  "qrco.de",
  "tiny.one",
  "urlz.fr",
  "shorturl.me",
]);

/** Files that run when opened (Windows, scripts, installers, disk images that hide them). */
export const EXECUTABLE_EXTENSIONS: ReadonlySet<string> = new Set([
  "exe",
  "scr",
  "com",
  "pif",
  "bat",
  "cmd",
  "cpl",
  "msi",
  "msp",
  "js",
  "jse",
  "vbs",
  "vbe",
  "wsf",
  "wsh",
  "hta",
  "ps1",
  "psm1",
  "jar",
  "lnk",
  "reg",
  "iso",
  "img",
  "vhd",
  "apk",
  "app",
  "dmg",
]);

/** Office documents that carry macros. */
export const MACRO_EXTENSIONS: ReadonlySet<string> = new Set([
  "docm",
  "dotm",
  "xlsm",
  "xltm",
  "xlam",
  "xlsb",
  "pptm",
  "potm",
  "ppsm",
  "ppam",
  "sldm",
]);

/** Attachments a browser renders with scripts: phishing pages sent as files. */
export const ACTIVE_DOCUMENT_EXTENSIONS: ReadonlySet<string> = new Set(["htm", "html", "shtml", "xhtml", "svg", "mht"]);

/** Case folded, diacritics removed, white space collapsed: how phrases and text are compared. */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/\s+/g, " ");
}

/** Most phrases `SPAM_PHRASES` may add, and their longest length: the scan stays bounded. */
const MAX_EXTRA_PHRASES = 200;
const MAX_PHRASE_CHARS = 100;

/** The phrase list in force: the defaults and `SPAM_PHRASES`, folded, at least two words each. */
export function scamPhrases(extra: string | undefined): string[] {
  const added = (extra ?? "")
    .split(/[\n|]/)
    .map((p) => fold(p).trim())
    .filter((p) => p.includes(" ") && p.length <= MAX_PHRASE_CHARS)
    .slice(0, MAX_EXTRA_PHRASES);
  return [...new Set([...SCAM_PHRASES.map(fold), ...added])];
}
