/**
 * Known senders: whether a new request mailed from a verified account's own address may start
 * without the confirmation round trip. `From` is forgeable, so this is the account's choice
 * (`users.known_sender`, on the profile page, `off` by default) and, unless the account chose
 * `always` ("trust my address without authentication"), needs a passing authentication result:
 * DMARC `pass` for the `From` domain, or SPF `pass` for an envelope domain aligned with it.
 *
 * Anyone can write an `Authentication-Results` header (RFC 8601 §7.1), and Email Routing does
 * not stamp one on mail delivered to a Worker today (cloudflare/workerd#6740). So only the
 * topmost header counts — the one the last hop in front of us added — and only when its
 * authserv-id is listed in `INBOUND_AUTHSERV_IDS` (empty by default: no header is trusted, and
 * known senders confirm unless they chose `always`). A failing result always confirms, whatever
 * the account chose: it is evidence of a forgery. Header parsing is linear and bounded.
 */
import type { UserRow } from "../../db/schema";
import { inDomain, splitAddress } from "./match";

/** The longest header value read: real ones are a few hundred characters. */
const MAX_HEADER_CHARS = 4096;

export type AuthVerdict = "pass" | "fail" | "none";

/** One `method=result` of an Authentication-Results header, with its `ptype.property=value`s. */
interface ResInfo {
  method: string;
  result: string;
  props: Map<string, string>;
}

/** Parses an Authentication-Results value: its authserv-id and results (comments dropped). */
export function parseAuthResults(value: string): { authservId: string; results: ResInfo[] } {
  let text = "";
  let depth = 0;
  // Comments `( … )` may nest; one pass drops them (RFC 5322 CFWS).
  for (const ch of value.slice(0, MAX_HEADER_CHARS)) {
    if (ch === "(") depth++;
    else if (ch === ")" && depth > 0) depth--;
    else if (depth === 0) text += ch;
  }
  const [head = "", ...parts] = text.split(";");
  const authservId = (head.trim().split(/\s+/)[0] ?? "").toLowerCase();
  const results: ResInfo[] = [];
  for (const part of parts) {
    const tokens = part.trim().split(/\s+/).filter(Boolean);
    const [first, ...rest] = tokens;
    const eq = first?.indexOf("=") ?? -1;
    if (!first || eq <= 0) continue;
    const props = new Map<string, string>();
    for (const token of rest) {
      const at = token.indexOf("=");
      if (at > 0)
        props.set(
          token.slice(0, at).toLowerCase(),
          token
            .slice(at + 1)
            .replace(/^"|"$/g, "")
            .toLowerCase(),
        );
    }
    results.push({ method: first.slice(0, eq).toLowerCase(), result: first.slice(eq + 1).toLowerCase(), props });
  }
  return { authservId, results };
}

/** The authserv-ids whose headers are believed (`INBOUND_AUTHSERV_IDS`, comma-separated). */
export function trustedAuthservIds(env: { INBOUND_AUTHSERV_IDS?: string }): string[] {
  return (env.INBOUND_AUTHSERV_IDS ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * The authentication verdict for mail from `sender`, read from the topmost
 * Authentication-Results header when a trusted authserv-id wrote it: `pass` (DMARC pass for the
 * sender's domain, or SPF pass aligned with it), `fail` (a result that does not pass), `none`
 * (no trusted header, or no DMARC/SPF result in it).
 */
export function authVerdict(topHeader: string | undefined, sender: string, trusted: readonly string[]): AuthVerdict {
  if (!topHeader || trusted.length === 0) return "none";
  const { authservId, results } = parseAuthResults(topHeader);
  if (!trusted.includes(authservId)) return "none";
  const domain = splitAddress(sender)?.domain;
  if (!domain) return "fail";
  const dmarc = results.find((r) => r.method === "dmarc");
  if (dmarc) return dmarc.result === "pass" && dmarc.props.get("header.from") === domain ? "pass" : "fail";
  const spf = results.find((r) => r.method === "spf");
  if (!spf) return "none";
  const mailFrom = spf.props.get("smtp.mailfrom") ?? "";
  const mailFromDomain = mailFrom.includes("@") ? splitAddress(mailFrom)?.domain : mailFrom;
  // Aligned: the envelope domain is the From domain or one under it (bounces.example.com).
  return spf.result === "pass" && mailFromDomain && inDomain(mailFromDomain, domain) ? "pass" : "fail";
}

/** Whether `account`'s request by mail starts without confirmation, and why (for the log). */
export function skipsConfirmation(
  account: Pick<UserRow, "knownSender" | "emailVerifiedAt" | "disabledAt"> | undefined,
  verdict: AuthVerdict,
): { skip: boolean; why: string } {
  if (!account) return { skip: false, why: "no account" };
  if (account.knownSender === "off") return { skip: false, why: "known sender off" };
  // An unverified account may be anyone's sign-up with this address: confirming proves it.
  if (!account.emailVerifiedAt || account.disabledAt) return { skip: false, why: "account not verified or disabled" };
  if (verdict === "fail") return { skip: false, why: "authentication failed" };
  if (verdict === "pass") return { skip: true, why: "authenticated known sender" };
  return account.knownSender === "always"
    ? { skip: true, why: "known sender trusted without authentication" }
    : { skip: false, why: "no trusted authentication result" };
}
