/**
 * A request's thread as people read it, in time order: the request itself, the messages
 * (customer, staff replies, internal notes), the answer the customer received (or, for
 * staff, the AI's draft still waiting for review), and the system events — received,
 * completed / failed / cancelled, notified on a channel, not delivered.
 *
 * Only the messages are stored as such (`submission_messages`); every other entry is read from
 * the row that already holds it (the submission, its R2 input and result, the delivery log),
 * so the thread cannot disagree with the pipeline. What the customer may see is decided here,
 * once: `audience: "customer"` never carries a note, a draft or a system event.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import { db } from "../db/client";
import { notifications, type SubmissionMessageRow, type SubmissionRow, submissionFiles, users } from "../db/schema";
import type { Source } from "../retrieval/types";
import { listMessages } from "./messages";

export type ThreadEntry =
  | {
      type: "request";
      at: number;
      channel: SubmissionRow["source"];
      text: string;
      files: { id: string; name: string }[];
    }
  | { type: "message"; at: number; message: SubmissionMessageRow; author: ThreadAuthor | null }
  /** The result as the customer received it (auto policy, or approved as it stood). */
  | { type: "answer"; at: number; markdown: string; sources: Source[] }
  /** The AI's result waiting for staff to send or discard it (staff only). */
  | { type: "draft"; at: number; markdown: string; sources: Source[] }
  | { type: "event"; at: number; event: ThreadEvent; detail: string };

export type ThreadEvent = "received" | "completed" | "failed" | "cancelled" | "notified" | "not_delivered";

export interface ThreadAuthor {
  id: string;
  name: string;
  email: string;
  role: string;
}

export interface ThreadOptions {
  audience: "customer" | "staff";
  /** The job waits for staff at `review` (the caller read it from the job): the result is a draft. */
  awaitingReview?: boolean;
}

const parseSources = (json: string | null): Source[] => {
  try {
    return json ? (JSON.parse(json) as Source[]) : [];
  } catch {
    return [];
  }
};

/** Every entry of the thread of `submission`, oldest first, for `audience`. */
export async function threadOf(env: Env, submission: SubmissionRow, options: ThreadOptions): Promise<ThreadEntry[]> {
  const d = db(env.DB);
  const staff = options.audience === "staff";
  const [messages, files, deliveries, input, result] = await Promise.all([
    listMessages(d, submission.id, options.audience),
    d
      .select({ id: submissionFiles.id, name: submissionFiles.name })
      .from(submissionFiles)
      .where(eq(submissionFiles.submissionId, submission.id))
      .orderBy(asc(submissionFiles.position)),
    staff
      ? d
          .select({
            event: notifications.event,
            channel: notifications.channel,
            status: notifications.status,
            error: notifications.error,
            at: notifications.updatedAt,
          })
          .from(notifications)
          .where(
            and(
              eq(notifications.submissionId, submission.id),
              inArray(notifications.status, ["sent", "delivered", "failed", "suppressed"]),
            ),
          )
          .limit(200)
      : Promise.resolve([]),
    env.FILES.get(submission.inputKey).then(async (o) => (o ? ((await o.json()) as { text?: string }) : null)),
    submission.resultKey
      ? env.FILES.get(submission.resultKey).then(async (o) => (o ? (await o.text()).trim() : null))
      : Promise.resolve(null),
  ]);
  const authorIds = [...new Set(messages.map((m) => m.authorId).filter((id): id is string => id !== null))];
  const authors = new Map(
    (authorIds.length
      ? await d
          .select({ id: users.id, name: users.name, email: users.email, role: users.role })
          .from(users)
          .where(inArray(users.id, authorIds.slice(0, 90)))
      : []
    ).map((a) => [a.id, a]),
  );
  const attached = new Set(messages.flatMap((m) => (m.fileIds ? (JSON.parse(m.fileIds) as string[]) : [])));
  const entries: ThreadEntry[] = [
    {
      type: "request",
      at: submission.createdAt,
      channel: submission.source,
      text: input?.text ?? "",
      files: files.filter((f) => !attached.has(f.id)),
    },
    ...messages.map(
      (message): ThreadEntry => ({
        type: "message",
        at: message.createdAt,
        message,
        author: message.authorId ? (authors.get(message.authorId) ?? null) : null,
      }),
    ),
  ];
  const sources = parseSources(submission.sources);
  // A draft sent from the desk is in the thread as its reply: the answer is not shown twice.
  const sentAsReply = messages.some((m) => m.fromDraft === 1);
  if (result && options.awaitingReview) {
    if (staff) entries.push({ type: "draft", at: submission.updatedAt, markdown: result, sources });
  } else if (result && !sentAsReply && submission.status === "completed") {
    entries.push({ type: "answer", at: submission.completedAt ?? submission.updatedAt, markdown: result, sources });
  }
  if (staff) {
    entries.push({ type: "event", at: submission.createdAt, event: "received", detail: `by ${submission.source}` });
    if (submission.status === "completed" || submission.status === "failed" || submission.status === "cancelled")
      entries.push({
        type: "event",
        at: submission.completedAt ?? submission.updatedAt,
        event: submission.status,
        detail: submission.status === "failed" ? (submission.error ?? "") : "",
      });
    for (const n of deliveries) {
      const ok = n.status === "sent" || n.status === "delivered";
      entries.push({
        type: "event",
        at: n.at,
        event: ok ? "notified" : "not_delivered",
        detail: `${n.event} by ${n.channel}${ok ? "" : `: ${n.status === "suppressed" ? "address suppressed" : (n.error ?? "failed")}`}`,
      });
    }
  }
  // Stable: entries at the same instant keep the order above (the request before its events).
  return entries
    .map((e, i) => [e, i] as const)
    .sort((a, b) => a[0].at - b[0].at || a[1] - b[1])
    .map(([e]) => e);
}
