/**
 * What the receiving platform says about a message's authentication, when it says anything:
 * `Authentication-Results` (RFC 8601), `ARC-Authentication-Results` (RFC 8617) and
 * `Received-SPF` (RFC 7208 §9.1). Only the topmost header of each kind is read — the one the
 * last hop (Email Routing) added; lower ones were written by whoever sent the message. Even
 * that is only believed against the sender: a `fail` costs points, a `pass` earns none, since a
 * forger can write a passing header as easily as a message.
 */

/** One authentication method's outcome in a header. */
export type AuthMethod = "spf" | "dkim" | "dmarc";
export type AuthOutcome = "fail" | "softfail";

/** Characters of each header read: real ones are a few hundred. */
const HEADER_CHARS = 4096;

/** The failed methods a header reports (`spf=fail`, `dkim=fail`, `dmarc=fail`, `spf=softfail`). */
export function authFailures(value: string): Map<AuthMethod, AuthOutcome> {
  const seen = new Map<AuthMethod, Set<string>>();
  // Linear: a word, optional spaces, "=", a word; comments in parentheses are skipped by it.
  for (const m of value.slice(0, HEADER_CHARS).matchAll(/\b(spf|dkim|dmarc)\s*=\s*([a-z]+)/gi)) {
    const method = (m[1] ?? "").toLowerCase() as AuthMethod;
    seen.set(method, (seen.get(method) ?? new Set()).add((m[2] ?? "").toLowerCase()));
  }
  const found = new Map<AuthMethod, AuthOutcome>();
  for (const [method, results] of seen) {
    // dkim appears once per signature: one failing among passing ones is normal (a mailing
    // list re-signs), so a method that passed anywhere in the header has not failed.
    if (results.has("pass")) continue;
    if (results.has("fail")) found.set(method, "fail");
    else if (results.has("softfail")) found.set(method, "softfail");
  }
  return found;
}

/** `Received-SPF: Fail (…)` / `SoftFail` as a failure, anything else none. */
export function receivedSpf(value: string): AuthOutcome | null {
  const word = /^\s*([a-z]+)/i.exec(value.slice(0, 64))?.[1]?.toLowerCase();
  return word === "fail" ? "fail" : word === "softfail" ? "softfail" : null;
}

/**
 * The failures of a message: the topmost `Authentication-Results`, else the topmost
 * `ARC-Authentication-Results` (what Email Routing sees is the same), and `Received-SPF`.
 * `headers` are the message's headers in order, topmost first (postal-mime's list).
 */
export function messageAuthFailures(headers: readonly { key: string; value: string }[]): Map<AuthMethod, AuthOutcome> {
  const first = (key: string) => headers.find((h) => h.key === key)?.value;
  const results = first("authentication-results") ?? first("arc-authentication-results");
  const failures = results ? authFailures(results) : new Map<AuthMethod, AuthOutcome>();
  const spf = first("received-spf");
  const spfOutcome = spf ? receivedSpf(spf) : null;
  if (spfOutcome && failures.get("spf") !== "fail") failures.set("spf", spfOutcome);
  return failures;
}
