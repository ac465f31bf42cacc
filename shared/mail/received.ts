/**
 * One inbound message while it is being decided: what the deciding modules share (the message,
 * its inbound id, trace and clock), how each outcome is recorded (one `inbound_emails` row per
 * message, deduplicated by Message-ID or content hash) and how a refusal is expressed. The
 * domain never refuses a message itself: it returns a `Refusal`, and the email handler passes
 * its reason to Email Routing, which returns the message to its sender with it.
 */
import { db } from "../db/client";
import { type InboundEmailRow, inboundEmails } from "../db/schema";
import type { Logger } from "../log";
import { arrivalCount } from "./analytics/count";
import type { ParsedMail } from "./parse";

/** What deciding reads of a received message (Email Routing's `ForwardableEmailMessage` is one). */
export type IncomingMessage = Pick<ForwardableEmailMessage, "from" | "to" | "raw" | "rawSize" | "reply" | "forward">;

/** A message being decided. */
export interface Received {
  env: Env;
  message: IncomingMessage;
  log: Logger;
  correlationId: string;
  /** The `in_…` id its record (and, if it starts one, its conversation) gets. */
  id: string;
  now: number;
  /**
   * The configured address it reached, which mail analytics counts it under (set once routed:
   * `routes/intake.ts`); unset: `(unknown)`.
   */
  address?: string;
  /** A message an admin released from quarantine: its arrival was counted when it came. */
  released?: boolean;
}

/** A message refused: `reason` is for its sender, returned to them by their mail server. */
export interface Refusal {
  refuse: string;
}

/** A message's record as kept once decided. */
export type Outcome = Pick<InboundEmailRow, "status"> &
  Partial<
    Pick<
      InboundEmailRow,
      "reason" | "rawKey" | "parentId" | "submissionId" | "userId" | "ackedAt" | "spamScore" | "spamReasons"
    >
  >;

/** A refusal, logged with its internal `reason`. */
export function refuse(ctx: Received, reason: string, publicReason: string): Refusal {
  ctx.log.info("inbound email rejected", { reason, to: ctx.message.to, rawSize: ctx.message.rawSize });
  return { refuse: publicReason };
}

/**
 * Records what became of the message; false when a record with its dedupe key exists already
 * (the same message delivered twice at once: the other delivery acts on it).
 */
export async function record(
  ctx: Received,
  fields: { dedupeKey: string; mail: ParsedMail | null; sender: string },
  outcome: Outcome,
): Promise<boolean> {
  const d = db(ctx.env.DB);
  const insert = d
    .insert(inboundEmails)
    .values({
      id: ctx.id,
      dedupeKey: fields.dedupeKey,
      messageId: fields.mail?.messageId ?? null,
      sender: fields.sender,
      recipient: ctx.message.to.toLowerCase(),
      address: ctx.address ?? null,
      subject: fields.mail?.subject ?? "",
      rawSize: ctx.message.rawSize,
      correlationId: ctx.correlationId,
      createdAt: ctx.now,
      ...outcome,
    })
    .onConflictDoNothing()
    .returning({ id: inboundEmails.id });
  // Counted in the same batch (mail analytics): one round trip, as the record alone was.
  const count = arrivalCount(d, ctx, outcome);
  const [inserted] = count ? await d.batch([insert, count]) : [await insert];
  return inserted.length > 0;
}

/** A person's message that passed the checks, ready to start or continue a conversation. */
export interface Incoming {
  dedupeKey: string;
  mail: ParsedMail;
  raw: Uint8Array;
  sender: string;
}

/** The request's text: the body without quotes and signature, else the subject ("Need a CRM, ASAP"). */
export function requestText(mail: ParsedMail): string {
  return mail.text.trim() ? mail.text : mail.subject.trim();
}
