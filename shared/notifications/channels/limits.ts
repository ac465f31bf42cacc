/**
 * Channel length limits and the splitting that respects them. Splits prefer paragraph, then
 * line, then word boundaries, and never cut a UTF-16 surrogate pair.
 */

export const LIMITS = {
  /** Telegram Bot API `sendMessage` text, after entity parsing. */
  telegram: 4096,
  /** WhatsApp Cloud API text message body. */
  whatsapp: 4096,
  /** Slack: the `text` field is truncated past 40 000; messages over 4 000 are hard to read. */
  slack: 4000,
  /** Discord webhook `content`. */
  discord: 2000,
} as const;

/** At most this many chat messages per notification; the rest is cut with a marker. */
export const MAX_PARTS = 3;

const ELLIPSIS = "…";

/** Cuts `text` to at most `max` UTF-16 units (with an ellipsis), never inside a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - ELLIPSIS.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

/**
 * Splits `text` into parts whose `measure` (default: length) is at most `max`, at most
 * `maxParts` of them; the last is truncated when the text is longer still. `measure` lets a
 * caller count the escaped length (Telegram counts what it parses, not what we send).
 */
export function splitText(
  text: string,
  max: number,
  maxParts = MAX_PARTS,
  measure: (s: string) => number = (s) => s.length,
): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    if (measure(rest) <= max) {
      parts.push(rest);
      break;
    }
    if (parts.length === maxParts - 1) {
      parts.push(truncateMeasured(rest, max, measure));
      break;
    }
    // The longest prefix that fits, then back off to the best boundary in its second half.
    let fit = fitLength(rest, max, measure);
    const window = rest.slice(0, fit);
    for (const sep of ["\n\n", "\n", " "]) {
      const at = window.lastIndexOf(sep);
      if (at > fit / 2) {
        fit = at;
        break;
      }
    }
    parts.push(rest.slice(0, fit).trimEnd());
    rest = rest.slice(fit).trimStart();
  }
  return parts;
}

function fitLength(text: string, max: number, measure: (s: string) => number): number {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(text.slice(0, mid)) <= max) lo = mid;
    else hi = mid - 1;
  }
  const code = text.charCodeAt(lo - 1);
  return code >= 0xd800 && code <= 0xdbff ? lo - 1 : lo;
}

function truncateMeasured(text: string, max: number, measure: (s: string) => number): string {
  const fit = fitLength(text, max - 1, (s) => measure(s) + 1);
  return fit >= text.length ? text : text.slice(0, fit) + ELLIPSIS;
}

// GSM 03.38 basic set and the extension characters (which take two septets).
const GSM_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENDED = "^{}\\[~]|€";

/** Whether the text fits the GSM-7 alphabet (else it is sent as UCS-2). */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (!GSM_BASIC.includes(ch) && !GSM_EXTENDED.includes(ch)) return false;
  return true;
}

/** Septets (GSM-7) or UTF-16 units (UCS-2) the text takes. */
function smsUnits(text: string, gsm: boolean): number {
  if (!gsm) return text.length;
  let n = 0;
  for (const ch of text) n += GSM_EXTENDED.includes(ch) ? 2 : 1;
  return n;
}

/**
 * SMS segments a text needs: GSM-7 fits 160 septets in one message or 153 per part of a
 * concatenated one; UCS-2 (anything outside GSM-7, e.g. Czech "ř") 70, or 67 per part.
 */
export function smsSegments(text: string): { encoding: "GSM-7" | "UCS-2"; segments: number } {
  const gsm = isGsm7(text);
  const units = smsUnits(text, gsm);
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  return { encoding: gsm ? "GSM-7" : "UCS-2", segments: units <= single ? 1 : Math.ceil(units / multi) };
}

/** Cuts an SMS to at most `maxSegments` segments (default 4: 612 GSM-7 or 268 UCS-2 characters). */
export function fitSms(text: string, maxSegments = 4): string {
  const gsm = isGsm7(text);
  const budget = maxSegments === 1 ? (gsm ? 160 : 70) : (gsm ? 153 : 67) * maxSegments;
  if (smsUnits(text, gsm) <= budget) return text;
  let out = "";
  let used = 0;
  const ellipsis = gsm ? "..." : ELLIPSIS;
  const reserve = smsUnits(ellipsis, gsm);
  for (const ch of text) {
    const u = smsUnits(ch, gsm);
    if (used + u > budget - reserve) break;
    out += ch;
    used += u;
  }
  return out.trimEnd() + ellipsis;
}
