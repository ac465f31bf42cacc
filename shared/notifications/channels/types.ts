/**
 * What every channel adapter shares: the rendered message, the send result, the adapter
 * interface, the provider error with its retry and suppression hints, and HTTP helpers.
 */
import type { Channel } from "../../db/schema";

/**
 * One rendered message for one address on one channel. Email uses every field; the chat and
 * SMS channels send `text` only (already escaped for the channel's markup by the renderer).
 */
export interface ChannelMessage {
  to: string;
  subject: string;
  text: string;
  /** Email only: the HTML alternative. */
  html?: string;
  /** Email only: extra headers (List-Unsubscribe, threading, X-Request-Id …). */
  headers?: Record<string, string>;
  /** Email only: our Message-ID, without angle brackets. */
  messageId?: string;
  replyTo?: string;
  /** Our delivery id, for providers that report delivery later (Twilio status callbacks). */
  reference?: string;
}

export interface SendResult {
  /** The provider's id of the (first) message, when it gives one. */
  providerMessageId: string | null;
  /** How many provider messages the text went out as (split chat messages, SMS segments). */
  parts: number;
  /** Email: the Message-ID the mail carried on the wire (without brackets), which a reply to it names. */
  messageId?: string;
  /**
   * True when the provider's answer already means the message reached the recipient's chat
   * (Telegram, Slack, Discord post synchronously); email, SMS and WhatsApp only say "accepted".
   */
  delivered?: boolean;
}

/** One way of reaching people. Adapters are stateless; configuration comes from `env`. */
export interface ChannelAdapter {
  readonly channel: Channel;
  /** Null when the deployment can send on this channel, else why not (missing secret, …). */
  configProblem(env: Env): string | null;
  send(env: Env, message: ChannelMessage): Promise<SendResult>;
}

/**
 * A provider refused or failed a send. `retryable` says whether trying again can succeed
 * (429, 5xx, network); `retryAfterSeconds` is the provider's own hint. `suppress` marks
 * permanent refusals that mean the address itself is dead (invalid number, blocked bot,
 * deleted webhook): the address goes on the suppression list.
 */
export class ChannelError extends Error {
  readonly retryable: boolean;
  readonly httpStatus: number | null;
  readonly retryAfterSeconds: number | null;
  readonly suppress: "invalid" | "unsubscribe" | "hard_bounce" | null;
  constructor(
    message: string,
    options: {
      retryable: boolean;
      httpStatus?: number | null;
      retryAfterSeconds?: number | null;
      suppress?: ChannelError["suppress"];
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = "ChannelError";
    this.retryable = options.retryable;
    this.httpStatus = options.httpStatus ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
    this.suppress = options.suppress ?? null;
  }
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date), capped at an hour. */
export function retryAfter(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.min(3600, Math.ceil(Number(trimmed)));
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.min(3600, Math.max(0, Math.ceil((date - now) / 1000)));
}

/** How long a provider gets to answer before the attempt counts as a (retryable) failure. */
export const PROVIDER_TIMEOUT_MS = 15_000;

/**
 * `fetch` with a timeout; a network failure or timeout becomes a retryable `ChannelError`.
 * The provider's body never goes into the error message (it may echo secrets or addresses).
 */
export async function providerFetch(provider: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
  } catch (cause) {
    throw new ChannelError(`${provider} could not be reached`, { retryable: true, cause });
  }
}

/**
 * The default classification of an HTTP failure: 408, 425, 429 and 5xx may pass later;
 * other 4xx will not.
 */
export function httpFailure(
  provider: string,
  res: Response,
  detail: string,
  suppress: ChannelError["suppress"] = null,
): ChannelError {
  const retryable = res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500;
  return new ChannelError(`${provider} answered HTTP ${res.status}${detail ? `: ${detail}` : ""}`, {
    retryable,
    httpStatus: res.status,
    retryAfterSeconds: retryAfter(res.headers.get("retry-after")),
    suppress: retryable ? null : suppress,
  });
}

/** Reads a JSON body without failing on a non-JSON one. */
export async function jsonBody(res: Response): Promise<Record<string, unknown> | null> {
  try {
    const value: unknown = await res.json();
    return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
