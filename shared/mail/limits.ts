/**
 * The bounds on requests by email: how large a message may be, how many attachments it may
 * carry (the upload limits, `UPLOAD_MAX_*`, hold for its files too), and how much mail an
 * unconfirmed — possibly forged — sender can make us send, per sender and platform-wide.
 */
import { uploadLimits } from "../submissions/files";

/** Cloudflare Email Routing accepts at most 25 MiB; we refuse a little earlier, with a reason. */
export const DEFAULT_MAX_MESSAGE_BYTES = 20 * 1024 * 1024;
/** Unconfirmed requests one address may have waiting: bounds the mail a forger can make us send. */
export const MAX_PENDING_PER_SENDER = 3;
export const PENDING_TTL_MS = 7 * 24 * 3600_000;
/**
 * Acknowledgements to unconfirmed senders, platform-wide, per rolling hour
 * (`INBOUND_ACKS_PER_HOUR`): forged senders are unbounded in number, so the per-sender limit
 * alone does not stop us being used to mail thousands of strangers.
 */
export const DEFAULT_ACKS_PER_HOUR = 200;

const num = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

/** The message size limit, and the upload limits every file of a request obeys (`UPLOAD_MAX_*`). */
export function inboundLimits(env: Env) {
  const uploads = uploadLimits(env);
  return {
    maxBytes: num(env.INBOUND_MAX_BYTES, DEFAULT_MAX_MESSAGE_BYTES),
    maxAttachments: uploads.maxFiles,
    acksPerHour: num(env.INBOUND_ACKS_PER_HOUR, DEFAULT_ACKS_PER_HOUR),
    uploads,
  };
}
