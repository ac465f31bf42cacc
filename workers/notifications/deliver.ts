import { EmailMessage } from "cloudflare:email";
import { and, eq, inArray, lt, or } from "drizzle-orm";
import { type NotificationRow, notifications, submissions } from "../../shared/db/schema";
import type { Logger } from "../../shared/log";
import type { NotificationEvent } from "../../shared/messages";
import { db } from "../api/submissions/repo";
import { cancelledMail, completedMail, failedMail, parseMailbox, toRaw } from "./compose";

/** How long one sender holds a notification before another may take it over. */
const CLAIM_MS = 60_000;

/** A delivery failure; `retryable` says whether another attempt can succeed. */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean, cause?: unknown) {
    super(message, { cause });
    this.name = "DeliveryError";
    this.retryable = retryable;
  }
}

export const notificationId = (submissionId: string, event: NotificationEvent, channel: string) =>
  `${submissionId}:${event}:${channel}`;

export type DeliveryOutcome = { status: "sent" | "already-sent"; notification: NotificationRow };

/**
 * Sends the email for one event of one submission, exactly once as far as the platform can
 * tell: the delivery-log row (deterministic id) is claimed with a conditional update, so a
 * redelivered message, a re-run step or a concurrent sender finds it `sent` or claimed and does
 * not send again. A sender that dies mid-send leaves a claim that expires after `CLAIM_MS`.
 */
export async function deliverSubmissionEmail(
  env: Env,
  args: { submissionId: string; event: NotificationEvent; correlationId: string; log: Logger },
): Promise<DeliveryOutcome> {
  const d = db(env.DB);
  const [submission] = await d.select().from(submissions).where(eq(submissions.id, args.submissionId)).limit(1);
  if (!submission) throw new DeliveryError(`unknown submission ${args.submissionId}`, false);

  const id = notificationId(args.submissionId, args.event, "email");
  const now = Date.now();
  await d
    .insert(notifications)
    .values({
      id,
      submissionId: submission.id,
      event: args.event,
      channel: "email",
      recipient: submission.email,
      status: "queued",
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing();

  const [claimed] = await d
    .update(notifications)
    .set({ status: "sending", claimedUntil: now + CLAIM_MS, updatedAt: now })
    .where(
      and(
        eq(notifications.id, id),
        or(
          inArray(notifications.status, ["queued", "failed"]),
          and(eq(notifications.status, "sending"), lt(notifications.claimedUntil, now)),
        ),
      ),
    )
    .returning();
  if (!claimed) {
    const [current] = await d.select().from(notifications).where(eq(notifications.id, id)).limit(1);
    if (current?.status === "sent") return { status: "already-sent", notification: current };
    throw new DeliveryError("another sender holds this notification", true);
  }

  try {
    const content = await renderContent(env, submission, args);
    const from = parseMailbox(env.MAIL_FROM);
    const raw = toRaw({
      from,
      to: submission.email,
      messageId: `${id.replace(/[^A-Za-z0-9._-]/g, ".")}@${from.addr.split("@")[1] ?? "statex.localhost"}`,
      headers: { "X-StateX-Submission": submission.id, "X-Request-Id": args.correlationId },
      ...content,
    });
    const result = await env.EMAIL.send(new EmailMessage(from.addr, submission.email, raw));
    const [sent] = await d
      .update(notifications)
      .set({
        status: "sent",
        attempts: claimed.attempts + 1,
        providerMessageId: result.messageId,
        error: null,
        claimedUntil: null,
        sentAt: Date.now(),
        updatedAt: Date.now(),
      })
      .where(eq(notifications.id, id))
      .returning();
    args.log.info("notification sent", { notificationId: id, providerMessageId: result.messageId });
    return { status: "sent", notification: sent ?? claimed };
  } catch (cause) {
    const error =
      cause instanceof DeliveryError
        ? cause
        : new DeliveryError(
            "the email could not be sent",
            // The binding rejects disallowed senders/recipients for good; anything else may pass.
            !/not allowed|invalid|not verified/i.test(cause instanceof Error ? cause.message : String(cause)),
            cause,
          );
    await d
      .update(notifications)
      .set({
        status: "failed",
        attempts: claimed.attempts + 1,
        error: cause instanceof Error ? cause.message.slice(0, 500) : String(cause).slice(0, 500),
        claimedUntil: null,
        updatedAt: Date.now(),
      })
      .where(eq(notifications.id, id));
    args.log.warn("notification failed", { notificationId: id, retryable: error.retryable, error: cause });
    throw error;
  }
}

async function renderContent(
  env: Env,
  submission: typeof submissions.$inferSelect,
  args: { event: NotificationEvent; correlationId: string },
) {
  const link = `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/v1/submissions/${submission.id}`;
  if (args.event === "submission.cancelled") {
    return cancelledMail({ submissionId: submission.id, link, requestId: submission.correlationId });
  }
  if (args.event === "submission.failed") {
    return failedMail({
      submissionId: submission.id,
      reason: submission.error ?? "The request could not be processed.",
      link,
      requestId: submission.correlationId,
    });
  }
  const object = submission.resultKey ? await env.FILES.get(submission.resultKey) : null;
  if (!object) throw new DeliveryError("the result is not stored yet", true);
  return completedMail({
    submissionId: submission.id,
    summary: submission.summary,
    resultMarkdown: await object.text(),
    link,
  });
}
