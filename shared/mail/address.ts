/**
 * The inbound address and its signed plus-addresses. Two kinds, both
 * `requests+<subject>.<expiry>.<signature>@domain`:
 * - a conversation's (`in_…`): the `Reply-To` of our acknowledgement of a new mail, before
 *   any request exists; a reply to it joins that conversation without another confirmation;
 * - a request's (`sub_…`): the `Reply-To` of every mail about a request (result, failure,
 *   review notice, staff reply), whatever its channel; a reply to it joins the request's thread.
 * Either can only come from someone who received our mail. The signature (HMAC-SHA256 under
 * SIGNING_KEY, purpose `email-thread`) covers the subject with its prefix and the expiry, so
 * neither kind can be turned into the other, nor its expiry moved. Everything is lower case
 * (some mail systems fold the case of local parts) and fits the 64-character limit of a local
 * part: ids are `in_`/`sub_` + ULID (29/30), the expiry a day number in base 36, the signature
 * 80 bits in base32 (16).
 */
import { ulid } from "../ids";
import { signingKey, signText, verifyText } from "../signing";

export const DEFAULT_INBOUND_ADDRESS = "requests@statex.localhost";
/** How long a reply to our mail still joins its conversation. */
export const THREAD_TOKEN_DAYS = 60;
const DAY_MS = 86_400_000;
const SIGNATURE = { encoding: "base32", bytes: 10 } as const;

export const newInboundId = (now?: number) => `in_${ulid(now)}`;
export const INBOUND_ID_PATTERN = /^in_[0-9A-HJKMNP-TV-Z]{26}$/;

export function inboundAddress(env: Env): { local: string; domain: string; address: string } {
  const configured = (env.INBOUND_ADDRESS || DEFAULT_INBOUND_ADDRESS).trim().toLowerCase();
  const [local = "requests", domain = "statex.localhost"] = configured.split("@");
  return { local, domain, address: `${local}@${domain}` };
}

/** The plus-address that threads replies into conversation `inboundId` (or request `sub_…`). */
export async function threadAddress(env: Env, inboundId: string, now = Date.now()): Promise<string> {
  const { local, domain } = inboundAddress(env);
  const subject = inboundId.toLowerCase();
  const expiry = Math.floor((now + THREAD_TOKEN_DAYS * DAY_MS) / DAY_MS).toString(36);
  const signature = await signText(signingKey(env), "email-thread", `${subject}.${expiry}`, SIGNATURE);
  return `${local}+${subject}.${expiry}.${signature}@${domain}`;
}

/** The plus-address that joins a reply to the thread of request `submissionId`. */
export async function requestAddress(env: Env, submissionId: string, now = Date.now()): Promise<string> {
  return threadAddress(env, submissionId, now);
}

export type Recipient =
  | { kind: "new" }
  | { kind: "thread"; inboundId: string }
  | { kind: "request"; submissionId: string }
  | { kind: "bad-token"; reason: "expired" | "invalid" }
  | { kind: "unknown" };

/** Which of our addresses a message was sent to, and the conversation its token names. */
export async function readRecipient(env: Env, to: string, now = Date.now()): Promise<Recipient> {
  const { local, domain } = inboundAddress(env);
  const [toLocal = "", toDomain = ""] = to.trim().toLowerCase().split("@");
  if (toDomain !== domain) return { kind: "unknown" };
  if (toLocal === local) return { kind: "new" };
  if (!toLocal.startsWith(`${local}+`)) return { kind: "unknown" };
  const token = toLocal.slice(local.length + 1);
  const match = /^((?:in|sub)_[0-9a-z]{26})\.([0-9a-z]{1,6})\.([a-z2-7]{16})$/.exec(token);
  if (!match || !signingKey(env)) return { kind: "bad-token", reason: "invalid" };
  const [, subject = "", expiry = "", signature = ""] = match;
  if (!(await verifyText(signingKey(env), "email-thread", `${subject}.${expiry}`, signature, SIGNATURE))) {
    return { kind: "bad-token", reason: "invalid" };
  }
  if (Number.parseInt(expiry, 36) * DAY_MS < now) return { kind: "bad-token", reason: "expired" };
  return subject.startsWith("sub_")
    ? { kind: "request", submissionId: `sub_${subject.slice(4).toUpperCase()}` }
    : { kind: "thread", inboundId: `in_${subject.slice(3).toUpperCase()}` };
}
