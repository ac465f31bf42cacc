/**
 * A staff reply: written to the request's thread, then delivered to the customer by the
 * notifications queue (`notify.reply` → `shared/desk/deliver.ts`). Writing is idempotent by
 * `clientKey` (the form's one-time key, or the API's `Idempotency-Key`), and only a message
 * this call wrote is queued, so a double click or a retried request sends one reply. A lost
 * queue send leaves the reply in the thread, where the customer's portal page shows it.
 */
import { db } from "../db/client";
import type { SubmissionMessageRow } from "../db/schema";
import type { Logger } from "../log";
import type { ReplyNotifyMessage } from "../messages";
import { postMessage } from "./messages";

export interface StaffReply {
  submissionId: string;
  authorId: string;
  body: string;
  clientKey: string;
  correlationId: string;
  /** Set when the reply is the AI's draft, sent as it stands or edited. */
  fromDraft?: boolean;
}

/** Writes the reply and queues its delivery; returns it, and whether this call wrote it. */
export async function sendReply(
  env: Env,
  reply: StaffReply,
  log: Logger,
): Promise<{ message: SubmissionMessageRow; created: boolean }> {
  const out = await postMessage(db(env.DB), {
    submissionId: reply.submissionId,
    kind: "reply",
    channel: "desk",
    authorId: reply.authorId,
    body: reply.body,
    clientKey: reply.clientKey,
    fromDraft: reply.fromDraft,
  });
  if (out.created) {
    const notice: ReplyNotifyMessage = {
      kind: "notify.reply",
      submissionId: reply.submissionId,
      messageId: out.message.id,
      correlationId: reply.correlationId,
    };
    await env.NOTIFICATIONS.send(notice).catch((error: unknown) => {
      log.error("could not queue the reply's delivery", { messageId: out.message.id, error });
    });
  }
  return out;
}
