/**
 * A customer's message in a request's thread, from any channel — a mailed answer to the
 * request's signed reply address, the portal's reply box, `POST /v1/submissions/{id}/messages`
 * — written one way: `postMessage` (which reopens the request) and, only when this call wrote
 * it, one `notify.customer` on the notifications queue, whose consumer tells the assignee (or
 * staff). Idempotent by `clientKey` (the form's one-time key, the API's `Idempotency-Key`, a
 * mail's Message-ID), so a double click, a retried call or a redelivered mail writes and tells
 * once. A lost queue send leaves the message in the thread, where the desk's inbox shows it.
 */
import { db } from "../db/client";
import type { MessageChannel, SubmissionMessageRow } from "../db/schema";
import type { Logger } from "../log";
import type { CustomerNotifyMessage } from "../messages";
import { postMessage } from "./messages";

export interface CustomerMessage {
  submissionId: string;
  /** The request's owner (null for a request without an account). */
  authorId: string | null;
  channel: Exclude<MessageChannel, "desk">;
  body: string;
  clientKey: string;
  correlationId: string;
  fileIds?: readonly string[];
  emailMessageId?: string | null;
}

/** Writes the customer's message and tells staff of it; returns it, and whether this call wrote it. */
export async function postCustomerMessage(
  env: Env,
  input: CustomerMessage,
  log: Logger,
): Promise<{ message: SubmissionMessageRow; created: boolean }> {
  const out = await postMessage(db(env.DB), {
    submissionId: input.submissionId,
    kind: "customer",
    channel: input.channel,
    authorId: input.authorId,
    body: input.body,
    clientKey: input.clientKey,
    fileIds: input.fileIds,
    emailMessageId: input.emailMessageId ?? null,
  });
  if (out.created) {
    const notice: CustomerNotifyMessage = {
      kind: "notify.customer",
      submissionId: input.submissionId,
      messageId: out.message.id,
      correlationId: input.correlationId,
    };
    await env.NOTIFICATIONS.send(notice).catch((error: unknown) => {
      log.error("could not queue the staff notice of a customer message", { messageId: out.message.id, error });
    });
  }
  return out;
}
