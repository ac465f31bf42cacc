/**
 * Signed, expiring tokens under the one `SIGNING_KEY` secret: review links, unsubscribe links,
 * email confirmation links and the plus-addresses that thread email replies.
 *
 * Each purpose signs with its own key, derived as HMAC-SHA256(SIGNING_KEY, "statex:" + purpose),
 * so a token made for one purpose never verifies for another even when the signed text matches.
 * Signatures are HMAC-SHA256, truncated where space is short (an email local part is at most 64
 * characters), compared in constant time.
 */
import { base64url, timingSafeEqual } from "./crypto";

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

/** The deployment's `SIGNING_KEY`, or "" when unset (signing then throws `MissingSigningKey`). */
export const signingKey = (env: Env): string => env.SIGNING_KEY ?? "";

export type SigningPurpose = "review" | "unsubscribe" | "email-confirm" | "email-thread" | "download";

/** Thrown where a feature needs `SIGNING_KEY` and the deployment has none. */
export class MissingSigningKey extends Error {
  constructor() {
    super("SIGNING_KEY is not set: signed links are unavailable");
    this.name = "MissingSigningKey";
  }
}

async function hmacKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

function purposeKey(secret: string, purpose: SigningPurpose): Promise<CryptoKey> {
  const cacheKey = `${purpose}\u0000${secret}`;
  let key = keys.get(cacheKey);
  if (!key) {
    key = (async () => {
      const root = await hmacKey(encoder.encode(secret));
      const derived = await crypto.subtle.sign("HMAC", root, encoder.encode(`statex:${purpose}`));
      return hmacKey(new Uint8Array(derived));
    })();
    keys.set(cacheKey, key);
  }
  return key;
}

/** The raw HMAC-SHA256 of `message` under the purpose's key. */
export async function signBytes(secret: string, purpose: SigningPurpose, message: string): Promise<Uint8Array> {
  if (!secret) throw new MissingSigningKey();
  const key = await purposeKey(secret, purpose);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** Lower-case RFC 4648 base32 without padding: survives mail systems that fold case. */
export function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

export type SignatureEncoding = "base64url" | "base32";

/** A signature of `message` as text, `bytes` long before encoding (32 = untruncated). */
export async function signText(
  secret: string,
  purpose: SigningPurpose,
  message: string,
  options: { encoding?: SignatureEncoding; bytes?: number } = {},
): Promise<string> {
  const mac = (await signBytes(secret, purpose, message)).subarray(0, options.bytes ?? 32);
  return options.encoding === "base32" ? base32(mac) : base64url(mac);
}

/** Constant-time check of a signature made by `signText` with the same options. */
export async function verifyText(
  secret: string,
  purpose: SigningPurpose,
  message: string,
  signature: string,
  options: { encoding?: SignatureEncoding; bytes?: number } = {},
): Promise<boolean> {
  const expected = await signText(secret, purpose, message, options);
  const given = options.encoding === "base32" ? signature.toLowerCase() : signature;
  return timingSafeEqual(encoder.encode(expected), encoder.encode(given));
}

export type TokenCheck = { status: "ok"; subject: string; expires: number } | { status: "expired" | "invalid" };

/**
 * A compact token `<subject>.<expiry>.<signature>` (expiry in epoch seconds, base 36). The
 * subject must not contain `.`; it is readable by whoever holds the token, so keep it to ids.
 */
export async function issueToken(
  secret: string,
  purpose: SigningPurpose,
  subject: string,
  ttlMs: number,
  now = Date.now(),
): Promise<string> {
  if (subject.includes(".")) throw new Error("token subjects cannot contain '.'");
  const expiry = Math.ceil((now + ttlMs) / 1000).toString(36);
  return `${subject}.${expiry}.${await signText(secret, purpose, `${subject}.${expiry}`)}`;
}

/** Verifies a token from `issueToken`: the signature first, then the expiry. */
export async function readToken(
  secret: string,
  purpose: SigningPurpose,
  token: string,
  now = Date.now(),
): Promise<TokenCheck> {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[0] || !/^[0-9a-z]{1,12}$/.test(parts[1] ?? "")) return { status: "invalid" };
  const [subject, expiry, signature] = parts as [string, string, string];
  if (!(await verifyText(secret, purpose, `${subject}.${expiry}`, signature))) return { status: "invalid" };
  const expires = Number.parseInt(expiry, 36) * 1000;
  return expires < now ? { status: "expired" } : { status: "ok", subject, expires };
}
