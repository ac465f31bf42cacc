/**
 * Which hosts the Worker may send a request to when the URL comes from a user (webhook
 * endpoints, Slack/Discord incoming webhooks): https to a public name or a globally routable
 * IP literal, nothing else. One module, so every outbound user URL passes the same gate.
 *
 * The host is normalised before any check: `new URL()` already lowercases it, converts IDNA to
 * punycode and rewrites every IPv4 spelling the WHATWG URL standard knows (`0x7f.1`,
 * `2130706433`, `127.1`, `0177.0.0.1`) to a dotted quad and every IPv6 literal to its
 * compressed form; trailing dots are stripped here. Then IP literals are matched against the
 * special-purpose ranges (RFC 6890 and its successors) and names against reserved and
 * loopback-style suffixes.
 *
 * What this cannot do: the check is on the name, and `fetch` resolves it later, so a public
 * name whose DNS answer is (or later becomes) a private address passes (DNS rebinding). The
 * Workers runtime offers no way to pin the resolved address. In production that is bounded by
 * the platform: a Worker's `fetch` goes out through Cloudflare's edge and cannot reach the
 * private network of the account or of Cloudflare itself.
 */

/** Why a URL was refused, or the parsed URL with its normalised host. */
export type UrlVerdict = { ok: true; url: URL; host: string } | { ok: false; reason: string };

export interface UrlPolicyOptions {
  /**
   * Development only: also allow http and loopback hosts (`localhost`, `127.0.0.0/8`, `::1`)
   * on any port, so a receiver on the developer's machine can be used. Every other
   * special-purpose range stays refused.
   */
  allowLoopback?: boolean;
}

/** `[first address, prefix length]` of every IPv4 range no user URL may point at. */
const IPV4_SPECIAL: readonly (readonly [string, number])[] = [
  ["0.0.0.0", 8], // "this network" (RFC 791)
  ["10.0.0.0", 8], // private (RFC 1918)
  ["100.64.0.0", 10], // carrier-grade NAT (RFC 6598)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata (169.254.169.254)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments (RFC 6890)
  ["192.0.2.0", 24], // TEST-NET-1
  ["192.88.99.0", 24], // 6to4 relay anycast (RFC 7526)
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking (RFC 2544)
  ["198.51.100.0", 24], // TEST-NET-2
  ["203.0.113.0", 24], // TEST-NET-3
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, includes 255.255.255.255 (limited broadcast)
];

/** Name suffixes that never name a public receiver (RFC 6761, RFC 6762, RFC 8375, RFC 7686, ICANN). */
const RESERVED_SUFFIXES = [
  "localhost",
  "local",
  "internal",
  "localdomain",
  "home.arpa",
  "test",
  "invalid",
  "example",
  "onion",
  "intranet",
  "corp",
  "lan",
  "alt",
];

/**
 * Wildcard-DNS services that answer any name with the IP written inside it
 * (`127.0.0.1.nip.io`, `7f000001.nip.io`, `10-0-0-1.sslip.io`), and names that resolve to
 * loopback by design. Refused outright rather than by decoding the embedded address: each
 * service accepts several spellings (dots, dashes, hex), decoding them all is a guessing game,
 * and no real webhook receiver lives on them.
 */
const REBINDING_SUFFIXES = [
  "nip.io",
  "sslip.io",
  "xip.io",
  "nip.direct",
  "localtest.me",
  "lvh.me",
  "vcap.me",
  "lacolhost.com",
  "localhost.direct",
  "traefik.me",
  "1u.ms",
];

/** Exact names of cloud metadata services (their IPs are link-local and refused as such too). */
const METADATA_NAMES = new Set(["metadata.google.internal", "metadata", "instance-data", "metadata.azure.internal"]);

const inSuffix = (host: string, suffixes: readonly string[]) =>
  suffixes.some((s) => host === s || host.endsWith(`.${s}`));

/** A dotted quad as a 32-bit unsigned number, or null when `host` is not one. */
function ipv4ToNumber(host: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  let n = 0;
  for (const part of m.slice(1)) {
    const v = Number(part);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

function ipv4IsSpecial(n: number): boolean {
  return IPV4_SPECIAL.some(([base, bits]) => {
    const b = ipv4ToNumber(base) ?? 0;
    const size = 2 ** (32 - bits);
    return n >= b && n < b + size;
  });
}

/** An IPv6 literal (without brackets) as 8 sixteen-bit groups, or null when it is not one. */
function ipv6Groups(text: string): number[] | null {
  let s = text.toLowerCase();
  // A trailing dotted quad (`::ffff:127.0.0.1`) is two groups.
  const quad = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(s);
  if (quad) {
    const n = ipv4ToNumber(quad[2] ?? "");
    if (n === null) return null;
    s = `${quad[1]}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0] ?? "");
  const tail = halves.length === 2 ? parse(halves[1] ?? "") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  const out: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    out.push(Number.parseInt(g, 16));
  }
  return out;
}

/** Why an IPv6 address may not be used, or null when it is globally routable unicast. */
function ipv6Problem(g: number[]): string | null {
  const [g0 = 0, g1 = 0, g2 = 0, , , g5 = 0, g6 = 0, g7 = 0] = g;
  const v4 = g6 * 65536 + g7;
  if (g.slice(0, 5).every((x) => x === 0) && g5 === 0xffff) {
    // IPv4-mapped: the embedded address decides.
    return ipv4IsSpecial(v4) ? "the IPv4 address inside the IPv6 literal is not public" : null;
  }
  if (g0 === 0x2002) {
    // 6to4: the IPv4 address is in bits 16–47.
    return ipv4IsSpecial(g1 * 65536 + g2) ? "the IPv4 address inside the 6to4 literal is not public" : null;
  }
  // Global unicast is 2000::/3; everything else (::, ::1, ::/96, 64:ff9b::/96, 100::/64,
  // fc00::/7, fe80::/10, fec0::/10, ff00::/8) is special-purpose.
  if ((g0 & 0xe000) !== 0x2000) return "the address is not a public IPv6 address";
  if (g0 === 0x2001 && g1 < 0x200) return "the address is in the IETF protocol range 2001::/23";
  if (g0 === 0x2001 && g1 === 0xdb8) return "the address is a documentation address (2001:db8::/32)";
  if ((g0 & 0xfff0) === 0x3ff0) return "the address is a documentation address (3fff::/20)";
  return null;
}

/**
 * Checks a user-supplied URL before anything is sent to it. Returns the parsed URL and its
 * normalised host, or a reason fit to show the user. Cost is linear in the URL's length.
 */
export function checkOutboundUrl(raw: string, options: UrlPolicyOptions = {}): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "must be an absolute URL" };
  }
  if (url.username || url.password) return { ok: false, reason: "must not contain credentials" };
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "must use https" };
  const bracketed = url.hostname.startsWith("[");
  const host = bracketed ? url.hostname.slice(1, -1) : url.hostname.toLowerCase().replace(/\.+$/, "");
  if (!host) return { ok: false, reason: "must name a host" };

  const loopback = isLoopback(host, bracketed);
  if (options.allowLoopback && loopback) return { ok: true, url, host };
  if (url.protocol !== "https:") return { ok: false, reason: "must use https" };
  // Receivers listen on the standard port; other ports are how internal services are probed.
  if (url.port !== "") return { ok: false, reason: "must use the standard https port (443)" };

  if (bracketed) {
    const groups = ipv6Groups(host);
    if (!groups) return { ok: false, reason: "has an invalid IPv6 address" };
    const problem = ipv6Problem(groups);
    return problem ? { ok: false, reason: `must point to a public host: ${problem}` } : { ok: true, url, host };
  }
  const v4 = ipv4ToNumber(host);
  if (v4 !== null) {
    return ipv4IsSpecial(v4)
      ? { ok: false, reason: "must point to a public host: the IPv4 address is in a special-purpose range" }
      : { ok: true, url, host };
  }
  // `new URL()` turns every valid numeric host into a dotted quad; a numeric last label left
  // over is not a name DNS would answer for in the way it looks.
  if (/(^|\.)(\d+|0x[0-9a-f]*)$/.test(host)) return { ok: false, reason: "has an invalid IPv4 address" };
  if (!host.includes(".")) return { ok: false, reason: "must use a fully qualified public domain name" };
  if (METADATA_NAMES.has(host) || inSuffix(host, RESERVED_SUFFIXES)) {
    return { ok: false, reason: "must point to a public host: the name is reserved for local or special use" };
  }
  if (inSuffix(host, REBINDING_SUFFIXES)) {
    return { ok: false, reason: "must point to a public host: wildcard-DNS services are not allowed" };
  }
  return { ok: true, url, host };
}

function isLoopback(host: string, bracketed: boolean): boolean {
  if (bracketed) {
    const g = ipv6Groups(host);
    if (!g) return false;
    return g.slice(0, 7).every((x) => x === 0) && g[7] === 1;
  }
  const v4 = ipv4ToNumber(host);
  if (v4 !== null) return v4 >>> 24 === 127;
  return host === "localhost" || host.endsWith(".localhost");
}

/** The reason a URL is refused, or null when it may be used (shorthand for validation). */
export function outboundUrlProblem(raw: string, options: UrlPolicyOptions = {}): string | null {
  const verdict = checkOutboundUrl(raw, options);
  return verdict.ok ? null : `url ${verdict.reason}`;
}
