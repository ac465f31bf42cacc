/**
 * The AI's draft of a request under the `review` policy: the result the job composed, waiting
 * at its `review` step. Staff send it — as it stands or edited — or discard it and answer in
 * their own words.
 *
 * Sending writes the text staff approved over the stored result (so the API, the portal and the
 * emailed result all carry what was sent), approves the job, and records the text in the
 * thread as a reply from the draft; the job, whose `notify` step then delivers it as any result is delivered: the
 * customer gets one answer, not a result and a reply. Discarding ends the wait with `discard`:
 * the `review` step removes the result and `notify` tells nobody.
 *
 * Both are idempotent: a second send (a double click, a retry) finds the job decided and the
 * reply written under its key, and changes nothing.
 */
import { and, eq } from "drizzle-orm";
import { db } from "../db/client";
import { submissionMessages } from "../db/schema";
import { resultKey } from "../submissions/keys";
import { messageBody, postMessage } from "./messages";

/** The draft of request `submissionId` while its job waits for staff; null when there is none. */
export async function draftOf(env: Env, submissionId: string): Promise<string | null> {
  const snapshot = await env.JOB_COORDINATOR.getByName(submissionId).snapshot();
  if (snapshot?.review?.status !== "waiting") return null;
  const object = await env.FILES.get(resultKey(submissionId));
  return object ? (await object.text()).trim() : null;
}

export interface DraftSend {
  submissionId: string;
  authorId: string;
  /** The text to send: the draft as it stands, or as staff edited it (markdown). */
  body: string;
  clientKey: string;
}

/** What became of a send or discard: done, no such job, or the job no longer waits for review. */
export type DraftOutcome = "ok" | "not-found" | "conflict";

/**
 * Sends the draft (edited or not) to the customer. `conflict` when the job no longer waits for
 * review (someone sent or discarded it first, or it was cancelled), unless it was this same
 * send (`clientKey`) that decided it: a retry then answers `ok` with the reply it wrote.
 */
export async function sendDraft(env: Env, send: DraftSend): Promise<{ outcome: DraftOutcome; messageId?: string }> {
  // Checked before anything is written: the job is approved before the reply is recorded.
  const body = messageBody(send.body, "answer");
  const d = db(env.DB);
  const job = env.JOB_COORDINATOR.getByName(send.submissionId);
  const snapshot = await job.snapshot();
  if (!snapshot) return { outcome: "not-found" };
  if (snapshot.review?.status !== "waiting") {
    const [earlier] = await d
      .select({ id: submissionMessages.id })
      .from(submissionMessages)
      .where(
        and(eq(submissionMessages.submissionId, send.submissionId), eq(submissionMessages.clientKey, send.clientKey)),
      )
      .limit(1);
    return earlier ? { outcome: "ok", messageId: earlier.id } : { outcome: "conflict" };
  }
  await env.FILES.put(resultKey(send.submissionId), `${body}\n`, {
    httpMetadata: { contentType: "text/markdown; charset=utf-8" },
    customMetadata: { submissionId: send.submissionId, editedBy: send.authorId },
  });
  const decided = await job.review(send.submissionId, "approve");
  if (decided.outcome !== "ok") return { outcome: decided.outcome };
  const { message } = await postMessage(d, {
    submissionId: send.submissionId,
    kind: "reply",
    channel: "desk",
    authorId: send.authorId,
    body,
    clientKey: send.clientKey,
    fromDraft: true,
  });
  return { outcome: "ok", messageId: message.id };
}

/** Discards the draft: the job completes without it reaching the customer. */
export async function discardDraft(env: Env, submissionId: string): Promise<DraftOutcome> {
  return (await env.JOB_COORDINATOR.getByName(submissionId).review(submissionId, "discard")).outcome;
}
