/**
 * Signed review links: `approve`/`reject` of one submission, valid until `expires` (epoch ms),
 * signed with HMAC-SHA256 under `REVIEW_SIGNING_KEY`, so a link works without a session and
 * cannot be forged or reused for another submission or decision.
 */
export const REVIEW_DECISIONS = ["approve", "reject"] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/** How long a review link stays valid. */
export const REVIEW_LINK_TTL_MS = 7 * 24 * 60 * 60_000;

async function hmac(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", cryptoKey, new TextEncoder().encode(message));
  return [...new Uint8Array(signature)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const payload = (id: string, decision: ReviewDecision, expires: number) => `review:${id}:${decision}:${expires}`;

export async function signReview(key: string, id: string, decision: ReviewDecision, expires: number): Promise<string> {
  return hmac(key, payload(id, decision, expires));
}

/** Constant-time check of a link's signature and expiry. */
export async function verifyReview(
  key: string,
  link: { id: string; decision: ReviewDecision; expires: number; signature: string },
  now = Date.now(),
): Promise<"ok" | "expired" | "invalid"> {
  const expected = new TextEncoder().encode(await signReview(key, link.id, link.decision, link.expires));
  const given = new TextEncoder().encode(link.signature.toLowerCase());
  let diff = expected.length ^ given.length;
  for (let i = 0; i < expected.length; i++) diff |= (expected[i] ?? 0) ^ (given[i] ?? 0);
  if (diff !== 0) return "invalid";
  return link.expires < now ? "expired" : "ok";
}

/** The two links an admin gets for a submission waiting at `review`. */
export async function reviewLinks(key: string, baseUrl: string, id: string, now = Date.now()) {
  const expires = now + REVIEW_LINK_TTL_MS;
  const link = async (decision: ReviewDecision) =>
    `${baseUrl.replace(/\/+$/, "")}/v1/submissions/${id}/review?decision=${decision}&expires=${expires}&signature=${await signReview(key, id, decision, expires)}`;
  return { approve: await link("approve"), reject: await link("reject") };
}
