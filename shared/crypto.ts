/** Small WebCrypto helpers shared by auth, tokens and signatures. */

const encoder = new TextEncoder();

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** A random token of `bytes` bytes, base64url-encoded (32 bytes = 256 bits by default). */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Bytes as lowercase hex (a lookup table: this runs on every API request). */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  let out = "";
  for (const b of bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)) out += HEX[b];
  return out;
}

/** SHA-256 of a string (UTF-8) or bytes, as hex. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", typeof data === "string" ? encoder.encode(data) : data));
}

/**
 * Compares two byte strings in time independent of their contents: workerd's native
 * `crypto.subtle.timingSafeEqual` where it exists (the Worker), an XOR fold elsewhere (Node
 * tests). Only the lengths, which are public for every secret here (fixed-size tokens, hashes,
 * MACs), decide early.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  // A workerd extension of SubtleCrypto: absent in Node.
  if (typeof crypto.subtle.timingSafeEqual === "function") return crypto.subtle.timingSafeEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** `timingSafeEqual` for two strings (UTF-8); false when either is missing. */
export function sameSecret(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  return timingSafeEqual(encoder.encode(a), encoder.encode(b));
}

/**
 * PBKDF2-SHA256 iterations for new hashes. 100,000 is the most workerd's WebCrypto allows;
 * the count is stored with each hash, so it can be raised here when the platform allows.
 */
export const PBKDF2_ITERATIONS = 100_000;

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password.normalize("NFKC")), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

/** `pbkdf2-sha256$<iterations>$<salt>$<hash>` with a fresh 16-byte salt. */
export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${base64url(salt)}$${base64url(hash)}`;
}

/** Checks a password against a stored hash; false for any malformed or foreign hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterText, saltText, hashText] = stored.split("$");
  const iterations = Number(iterText);
  if (scheme !== "pbkdf2-sha256" || !Number.isInteger(iterations) || iterations < 1 || !saltText || !hashText) {
    return false;
  }
  const actual = await pbkdf2(password, fromBase64(saltText), Math.min(iterations, PBKDF2_ITERATIONS));
  return timingSafeEqual(actual, fromBase64(hashText));
}

/** Whether a stored hash should be replaced with one at the current iteration count. */
export function needsRehash(stored: string): boolean {
  return Number(stored.split("$")[1]) < PBKDF2_ITERATIONS;
}
