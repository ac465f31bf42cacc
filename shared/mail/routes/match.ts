/**
 * Which configured address an envelope recipient reaches, and which forwarding rules a message
 * matches: pure functions over rows already read, so the rules are tested on their own and the
 * email handler reads D1 once per message (`resolve.ts`). An address is matched in one order,
 * most specific first: the exact address (a `+tag` address of its own included), then the
 * address without its `+tag` when that address takes tags, then the catch-all `*@domain`.
 * Everything is compared lower-cased (mail systems fold the case of local parts).
 */

/** What matching reads of a configured address. */
export interface AddressEntry {
  address: string;
  routeId: string;
  plusTags: boolean;
}

/** The address a recipient reached: the entry, and the `+tag` it carried (if any). */
export interface AddressMatch<T extends AddressEntry> {
  entry: T;
  tag: string | null;
}

/** Splits `local@domain` (lower-cased) at its last `@`; null when it is not that shape. */
export function splitAddress(address: string): { local: string; domain: string } | null {
  const value = address.trim().toLowerCase();
  const at = value.lastIndexOf("@");
  if (at <= 0 || at === value.length - 1) return null;
  return { local: value.slice(0, at), domain: value.slice(at + 1) };
}

/** The entry `recipient` reaches among `entries`, most specific first; null: none. */
export function matchAddress<T extends AddressEntry>(entries: readonly T[], recipient: string): AddressMatch<T> | null {
  const parts = splitAddress(recipient);
  if (!parts) return null;
  const byAddress = new Map(entries.map((e) => [e.address.toLowerCase(), e]));
  const exact = byAddress.get(`${parts.local}@${parts.domain}`);
  if (exact) return { entry: exact, tag: null };
  const plus = parts.local.indexOf("+");
  const tag = plus > 0 ? parts.local.slice(plus + 1) : null;
  if (plus > 0) {
    const base = byAddress.get(`${parts.local.slice(0, plus)}@${parts.domain}`);
    if (base?.plusTags) return { entry: base, tag };
  }
  const catchAll = byAddress.get(`*@${parts.domain}`);
  return catchAll ? { entry: catchAll, tag } : null;
}

/** What a forwarding rule can require of a message. */
export interface ForwardCondition {
  matchAddress: string | null;
  matchSenderDomain: string | null;
  /** Space-separated words, any of which in the subject matches; empty: any subject. */
  matchSubject: string;
  matchVerdict: "spam" | "ham" | null;
}

/** What a forwarding rule is matched against. */
export interface ForwardInput {
  /** The envelope recipient, lower-cased. */
  recipient: string;
  /** The configured address it reached (for an alias rule: the alias itself). */
  address: string;
  sender: string;
  subject: string;
  /**
   * The spam verdict (receive.ts scores the message when one of the route's rules asks for it);
   * unset, a rule that requires a verdict does not match.
   */
  verdict?: "spam" | "ham";
}

/** The words of a subject, lower-cased, split on anything but letters and digits. */
export const subjectWords = (text: string): string[] =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/** Whether `domain` is `wanted` or one of its subdomains. */
export function inDomain(domain: string, wanted: string): boolean {
  const d = domain.toLowerCase();
  const w = wanted.toLowerCase();
  return d === w || d.endsWith(`.${w}`);
}

/** Whether a message matches every condition the rule sets. */
export function matchesRule(rule: ForwardCondition, input: ForwardInput): boolean {
  if (rule.matchAddress && rule.matchAddress !== input.address && rule.matchAddress !== input.recipient) return false;
  if (rule.matchSenderDomain) {
    const domain = splitAddress(input.sender)?.domain ?? "";
    if (!inDomain(domain, rule.matchSenderDomain)) return false;
  }
  if (rule.matchSubject.trim()) {
    const words = new Set(subjectWords(input.subject));
    if (!subjectWords(rule.matchSubject).some((w) => words.has(w))) return false;
  }
  if (rule.matchVerdict && rule.matchVerdict !== input.verdict) return false;
  return true;
}
