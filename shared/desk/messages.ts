/**
 * Writing to a request's thread, and the desk state each message moves: the one place that
 * says what a message does to its request.
 *
 * - A customer message (by mail, the portal's reply box or the API) reopens the request
 *   (`waiting` or `resolved` → `open`; a `new` one stays new) and marks when the customer
 *   last wrote, which the inbox sorts by.
 * - A staff reply hands the next word to the customer (`waiting`).
 * - An internal note is work on the request: a `new` one becomes `open`.
 *
 * The message and its request's new state are one D1 batch, and the state changes only when
 * the message was written: with a `clientKey`, a second write of the same message (a double
 * click, a retried call, a redelivered mail) finds the first and changes nothing, so a caller
 * that delivers only `created` messages delivers each once.
 */
import { and, asc, eq, gt, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import {
  MAX_MESSAGE_CHARS,
  type MessageChannel,
  type MessageKind,
  type SubmissionMessageRow,
  submissionMessages,
  submissions,
} from "../db/schema";
import { ulid } from "../ids";

/** Public message ids: `msg_` + ULID. */
export const newMessageId = (now?: number): string => `msg_${ulid(now)}`;
export const MESSAGE_ID_PATTERN = /^msg_[0-9A-HJKMNP-TV-Z]{26}$/;

/** The longest idempotency key a caller may give a message. */
export const MAX_CLIENT_KEY_CHARS = 255;

export interface NewMessage {
  submissionId: string;
  kind: MessageKind;
  channel: MessageChannel;
  authorId: string | null;
  body: string;
  fileIds?: readonly string[];
  clientKey?: string | null;
  emailMessageId?: string | null;
  fromDraft?: boolean;
}

/** Why a message cannot be written; the caller answers with its own problem or refusal. */
export class MessageRefused extends Error {}

/**
 * The body of a message (or of an answer sent from a draft) as it is stored: line ends made
 * `\n`, trimmed; throws `MessageRefused` when it is empty or over `MAX_MESSAGE_CHARS`.
 */
export function messageBody(text: string, what: "message" | "answer" = "message"): string {
  const body = text.replace(/\r\n?/g, "\n").trim();
  if (!body) throw new MessageRefused(`The ${what} is empty.`);
  if (body.length > MAX_MESSAGE_CHARS)
    throw new MessageRefused(`The ${what} is longer than ${MAX_MESSAGE_CHARS.toLocaleString("en")} characters.`);
  return body;
}

/**
 * Writes a message and moves its request's desk state, in one batch. Returns the message and
 * whether this call wrote it (`false`: the same `clientKey` was written before, and that
 * message is returned). Throws `MessageRefused` for an empty or oversized body.
 */
export async function postMessage(
  d: Db,
  input: NewMessage,
  now = Date.now(),
): Promise<{ message: SubmissionMessageRow; created: boolean }> {
  const body = messageBody(input.body);
  if (input.clientKey && input.clientKey.length > MAX_CLIENT_KEY_CHARS)
    throw new MessageRefused(`The idempotency key is longer than ${MAX_CLIENT_KEY_CHARS} characters.`);
  const id = newMessageId(now);
  const written = sql`exists (select 1 from ${submissionMessages} where ${submissionMessages.id} = ${id})`;
  const status =
    input.kind === "customer"
      ? sql`case when ${submissions.deskStatus} = 'new' then 'new' else 'open' end`
      : input.kind === "reply"
        ? sql`'waiting'`
        : sql`case when ${submissions.deskStatus} = 'new' then 'open' else ${submissions.deskStatus} end`;
  const [inserted] = await d.batch([
    d
      .insert(submissionMessages)
      .values({
        id,
        submissionId: input.submissionId,
        kind: input.kind,
        channel: input.channel,
        authorId: input.authorId,
        body,
        fileIds: input.fileIds?.length ? JSON.stringify(input.fileIds) : null,
        clientKey: input.clientKey ?? null,
        emailMessageId: input.emailMessageId ?? null,
        fromDraft: input.fromDraft ? 1 : 0,
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning(),
    d
      .update(submissions)
      .set({
        deskStatus: status,
        lastMessageAt: now,
        ...(input.kind === "customer" ? { lastCustomerAt: now } : {}),
        updatedAt: now,
      })
      .where(and(eq(submissions.id, input.submissionId), written)),
  ]);
  const message = inserted[0];
  if (message) return { message, created: true };
  const [earlier] = await d
    .select()
    .from(submissionMessages)
    .where(
      and(
        eq(submissionMessages.submissionId, input.submissionId),
        eq(submissionMessages.clientKey, input.clientKey ?? ""),
      ),
    )
    .limit(1);
  if (!earlier) throw new Error("message neither written nor found");
  return { message: earlier, created: false };
}

/**
 * The messages of a request, oldest first; with `after` and `limit`, one page of them (ids are
 * time-sorted ULIDs, so the cursor is the last id of the previous page, stable while the
 * thread grows). For the customer (`audience: "customer"`) internal notes are left out by the
 * query itself, so no view built on it can show one.
 */
export async function listMessages(
  d: Db,
  submissionId: string,
  audience: "customer" | "staff",
  page: { after?: string; limit?: number } = {},
): Promise<SubmissionMessageRow[]> {
  const query = d
    .select()
    .from(submissionMessages)
    .where(
      and(
        eq(submissionMessages.submissionId, submissionId),
        audience === "customer" ? ne(submissionMessages.kind, "note") : undefined,
        page.after ? gt(submissionMessages.id, page.after) : undefined,
      ),
    )
    .orderBy(asc(submissionMessages.id));
  return page.limit === undefined ? query : query.limit(page.limit);
}
