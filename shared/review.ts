/**
 * Signed review links: `approve`/`reject` of one submission, valid until `expires` (epoch ms),
 * signed under `SIGNING_KEY` with the `review` purpose (`shared/signing.ts`), so a link works
 * without a session and cannot be forged or reused for another submission or decision.
 */
import { signText, verifyText } from "./signing";

export const REVIEW_DECISIONS = ["approve", "reject"] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/**
 * What can end a job's wait at `review`: a reviewer's decision, or staff on the desk discarding
 * the AI's draft to answer in their own words (`discard`: the job completes, and the draft
 * never reaches the customer). Only the two `REVIEW_DECISIONS` are ever signed into a link.
 */
export type JobDecision = ReviewDecision | "discard";

/** How long a review link stays valid. */
export const REVIEW_LINK_TTL_MS = 7 * 24 * 60 * 60_000;

const payload = (id: string, decision: ReviewDecision, expires: number) => `${id}:${decision}:${expires}`;

export async function signReview(key: string, id: string, decision: ReviewDecision, expires: number): Promise<string> {
  return signText(key, "review", payload(id, decision, expires));
}

/** Constant-time check of a link's signature and expiry. */
export async function verifyReview(
  key: string,
  link: { id: string; decision: ReviewDecision; expires: number; signature: string },
  now = Date.now(),
): Promise<"ok" | "expired" | "invalid"> {
  if (!(await verifyText(key, "review", payload(link.id, link.decision, link.expires), link.signature)))
    return "invalid";
  return link.expires < now ? "expired" : "ok";
}

/** The two links an admin gets for a submission waiting at `review`. */
export async function reviewLinks(key: string, baseUrl: string, id: string, now = Date.now()) {
  const expires = now + REVIEW_LINK_TTL_MS;
  const link = async (decision: ReviewDecision) =>
    `${baseUrl.replace(/\/+$/, "")}/v1/submissions/${id}/review?decision=${decision}&expires=${expires}&signature=${await signReview(key, id, decision, expires)}`;
  return { approve: await link("approve"), reject: await link("reject") };
}
