/**
 * Inbound mail as Email Routing delivers it to the Worker's `email()` handler, the fixture
 * messages of test/fixtures/mail/, and the outbound mail the local send_email binding wrote.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import PostalMime, { type Email } from "postal-mime";
import { vi } from "vitest";
import { DEFAULT_ACKS_PER_HOUR } from "../../shared/mail/limits";
import worker from "../../workers/index";

/** What the platform did with one inbound message, as Email Routing would see it. */
export interface Delivery {
  /** The `setReject` reason, or null when the message was taken in. */
  rejected: string | null;
  /** Raw messages sent back with `message.reply()`. */
  replies: string[];
  /** Whether the handler threw (it never should). */
  threw: unknown;
}

const corpus = import.meta.glob<string>("../fixtures/mail/*.eml", { query: "?raw", import: "default", eager: true });

/** The messages of `test/fixtures/mail/`, by file name. */
export const fixtures: Record<string, string> = Object.fromEntries(
  Object.entries(corpus).map(([path, raw]) => [path.split("/").pop() ?? path, raw]),
);

export function fixture(name: string): string {
  const raw = fixtures[name];
  if (raw === undefined) throw new Error(`no fixture ${name}`);
  return raw;
}

function headersOf(raw: string): Headers {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const headers = new Headers();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0) {
      try {
        headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
      } catch {
        // a header value Headers refuses; the handler parses the raw message anyway
      }
    }
  }
  return headers;
}

/**
 * Delivers a raw message to the Worker's `email()` handler the way Email Routing does (and as
 * Miniflare's `/cdn-cgi/local/email` does locally): a ForwardableEmailMessage with the raw
 * stream, its size, its headers, and `setReject`/`forward`/`reply`. `reply` follows Email
 * Routing's rule that only a message with a Message-ID, not auto-submitted, can be answered.
 */
export async function deliverMail(
  raw: string | Uint8Array,
  envelope: { from: string; to: string },
  options: {
    rawSize?: number;
    /** Collects every `message.forward()`: destination and added headers (as Miniflare records them). */
    forwards?: { to: string; headers: [string, string][] }[];
    /** Destinations whose `forward()` throws, as Email Routing's does for an unverified one. */
    unverified?: string[];
    /** Bindings and variables that differ from the test environment's. */
    env?: Partial<Env>;
  } = {},
): Promise<Delivery> {
  const bytes = typeof raw === "string" ? new TextEncoder().encode(raw) : raw;
  const headers = headersOf(typeof raw === "string" ? raw : new TextDecoder().decode(bytes.subarray(0, 65536)));
  const delivery: Delivery = { rejected: null, replies: [], threw: null };
  const forwards = options.forwards ?? [];
  const message = {
    from: envelope.from,
    to: envelope.to,
    raw: new Response(bytes).body as ReadableStream<Uint8Array>,
    rawSize: options.rawSize ?? bytes.byteLength,
    headers,
    setReject(reason: string) {
      delivery.rejected = reason;
    },
    async forward(to: string, added?: Headers) {
      if (options.unverified?.includes(to)) throw new Error("destination address not verified");
      forwards.push({ to, headers: added ? [...added.entries()] : [] });
      return { messageId: `forward-${forwards.length}@local` };
    },
    async reply(reply: EmailMessage) {
      if (!headers.get("message-id") || (headers.get("auto-submitted") ?? "no").toLowerCase() !== "no") {
        throw new Error("Original email is not replyable");
      }
      const rawReply = (reply as unknown as Record<string, unknown>)["EmailMessage::raw"];
      delivery.replies.push(
        typeof rawReply === "string" ? rawReply : await new Response(rawReply as ReadableStream).text(),
      );
      return { messageId: `reply-${delivery.replies.length}@local` };
    },
  } as unknown as ForwardableEmailMessage;
  const ctx = createExecutionContext();
  try {
    await worker.email?.(message, options.env ? { ...env, ...options.env } : env, ctx);
  } catch (error) {
    delivery.threw = error;
  }
  await waitOnExecutionContext(ctx);
  return delivery;
}

/** A plain message from `from`, optionally in reply to `inReplyTo`. */
export function plainMail(m: {
  from: string;
  to?: string;
  subject?: string;
  text: string;
  messageId?: string;
  inReplyTo?: string;
  headers?: Record<string, string>;
}): string {
  const lines = [
    `From: ${m.from}`,
    `To: ${m.to ?? "requests@statex.localhost"}`,
    `Subject: ${m.subject ?? "A request"}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${m.messageId ?? `${crypto.randomUUID()}@client.example`}>`,
    ...(m.inReplyTo ? [`In-Reply-To: <${m.inReplyTo}>`, `References: <${m.inReplyTo}>`] : []),
    ...Object.entries(m.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    "MIME-Version: 1.0",
    'Content-Type: text/plain; charset="utf-8"',
    "Content-Transfer-Encoding: 8bit",
    "",
    m.text,
    "",
  ];
  return lines.join("\r\n");
}

/** The newest mail the `send_email` binding wrote to `to`, parsed (waits for the file). */
export async function sentMailTo(to: string): Promise<Email> {
  return vi.waitFor(() => newestSentMailTo(to), { timeout: 5_000, interval: 50 });
}

/** One look for the newest mail to `to` (whose Subject holds `subject`, when given); throws while there is none. */
export async function newestSentMailTo(to: string, subject?: string): Promise<Email> {
  const query = `to=${encodeURIComponent(to)}${subject ? `&subject=${encodeURIComponent(subject)}` : ""}`;
  const res = await env.SENT_MAIL.fetch(`http://sent-mail/?${query}`);
  if (res.status !== 200) throw new Error(`no mail to ${to} yet`);
  return PostalMime.parse(await res.arrayBuffer());
}

/**
 * Fills the last hour's acknowledgements up to the default cap (`DEFAULT_ACKS_PER_HOUR`) with
 * pending rows from forged senders to `inbox`, ids prefixed `prefix`, so the next new sender is
 * over it. Rows already acknowledged in the hour count.
 */
export async function fillAckCap(prefix: string, inbox: string): Promise<void> {
  const { count } = (await env.DB.prepare("SELECT count(*) AS count FROM inbound_emails WHERE acked_at >= ?")
    .bind(Date.now() - 3_600_000)
    .first<{ count: number }>()) ?? { count: 0 };
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO inbound_emails (id, dedupe_key, sender, recipient, subject, status, raw_size, correlation_id, created_at, acked_at)
     SELECT 'in_' || ? || i, ? || ':' || i, 'forged' || i || '@example.org', ?, '', 'pending', 1, 'seed', ?, ?
     FROM n`,
  )
    .bind(DEFAULT_ACKS_PER_HOUR - count, prefix, prefix, inbox, Date.now(), Date.now())
    .run();
}
