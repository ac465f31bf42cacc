/**
 * How a job's events reach people: the one path from the pipeline to the notification engine.
 *
 * Every event of a job that its owner hears of — received, waiting for review, completed,
 * failed, cancelled — goes through `tellOwner`, which hands it to the engine's `notifyEvent`:
 * one delivery-log row per channel the owner chose, each then sent. The only difference
 * between outcomes is who waits for the email. A completed job's notice is the `notify`
 * step's work, so its email is delivered inline and the step's outcome is the email's (a
 * failing email retries the step; the delivery log keeps a retry from sending twice). A
 * failed or cancelled job has no step left to retry in, so all of its deliveries are queued
 * and the notifications queue retries each alone — as do the courtesy notices. (Before, the
 * failed and cancelled notices went by a `notify` queue message whose consumer made the same
 * `fanOut`; now the job makes it, so the rows exist sooner and the same messages go out.)
 *
 * The reviewers' mail of a `reviewed` workflow is here too: it is a notice about the job,
 * though to the admins rather than the owner.
 */
import type { Logger } from "../log";
import type { SubmissionEvent } from "../messages";
import { DeliveryError, notifyEvent } from "../notifications/deliver";
import { mailReviewers } from "../notifications/review-mail";
import { tellStaff } from "../notifications/staff";
import { reviewLinks } from "../review";
import type { NoticeDelivery } from "./steps/context";

/** The job a notice is about. */
export interface NoticeJob {
  id: string;
  correlationId: string;
}

/**
 * Tells the job's owner about `event` on every channel they chose. With `inlineEmail` the
 * email is delivered before this returns and a failure to send it throws; otherwise every
 * delivery is queued, and a fan-out no retry can fix (the submission is gone) is logged and
 * dropped, as the notifications queue drops it. Idempotent per event: the rows are keyed by
 * submission, event and channel.
 */
export async function tellOwner(
  env: Env,
  job: NoticeJob,
  event: SubmissionEvent,
  log: Logger,
  options: { inlineEmail: boolean } = { inlineEmail: false },
): Promise<NoticeDelivery[]> {
  try {
    return await notifyEvent(env, {
      event,
      subject: { kind: "submission", submissionId: job.id },
      correlationId: job.correlationId,
      log,
      inlineEmail: options.inlineEmail,
    });
  } catch (error) {
    if (options.inlineEmail || !(error instanceof DeliveryError) || error.retryable) throw error;
    log.error("owner notice failed permanently", { event, error });
    return [];
  }
}

/**
 * Tells the reviewers a result waits for them — every admin gets an email with the portal
 * link, and the signed one-click links when `SIGNING_KEY` is set — and the owner that it
 * waits for review. Neither failure fails the job: it is logged, and the request stays
 * visible in the portal's review list.
 */
export async function requestReview(env: Env, job: NoticeJob, log: Logger): Promise<void> {
  const key = env.SIGNING_KEY;
  const links = key ? await reviewLinks(key, env.PUBLIC_BASE_URL, job.id) : null;
  try {
    await mailReviewers(env, job.id, links, log);
  } catch (error) {
    log.error("could not mail the reviewers", { error });
  }
  try {
    // Staff who are not admins hear of the draft on the channels they chose for it.
    await tellStaff(env, job.id, job.correlationId, log, { event: "staff.draft_ready", roles: ["staff"] });
  } catch (error) {
    log.error("could not tell staff of the draft", { error });
  }
  await tellOwnerQuietly(env, job, "submission.needs_review", log);
}

/** A courtesy notice (received, waiting for review): a failure is logged, never fails the job. */
export async function tellOwnerQuietly(env: Env, job: NoticeJob, event: SubmissionEvent, log: Logger): Promise<void> {
  try {
    await tellOwner(env, job, event, log);
  } catch (error) {
    log.warn("could not queue owner notice", { event, error });
  }
}
