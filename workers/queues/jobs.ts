/**
 * The consumers of `statex-jobs` and its dead-letter queue: each job message is handed to its
 * submission's Durable Object; a job that could never be started is marked failed and its
 * submitter told. Also the retry backoff, which the notification consumers use as well.
 */
import { db } from "../../shared/db/client";
import { createLogger, type Logger } from "../../shared/log";
import { JobMessage, type NotificationMessage } from "../../shared/messages";
import { failIfUnfinished } from "../../shared/submissions/repo";

/** Delay before the queue redelivers a message that failed: 5 s, 10 s, 20 s, ... up to 5 min. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 5 * 2 ** Math.max(0, attempts - 1));

/**
 * `statex-jobs`: hands each job to its Durable Object (named by submission id). `start` is
 * idempotent, so a redelivered message is harmless. A malformed message is acked and logged:
 * no retry can repair it.
 */
export async function consumeJobs(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  // Each message goes to its own object: hand them over side by side, not one after another.
  await Promise.all(batch.messages.map((message) => consumeJob(message, batch.queue, env)));
}

async function consumeJob(message: Message<unknown>, queue: string, env: Env): Promise<void> {
  const parsed = JobMessage.safeParse(message.body);
  if (!parsed.success) {
    createLogger({ correlationId: message.id }).error("dropping malformed job message", {
      queue,
      issues: parsed.error.issues,
    });
    message.ack();
    return;
  }
  const job = parsed.data;
  const log = createLogger({
    correlationId: job.correlationId,
    submissionId: job.submissionId,
    component: "jobs-queue",
  });
  try {
    const snapshot = await env.JOB_COORDINATOR.getByName(job.submissionId).start(job);
    if (!snapshot) log.warn("job message for an unknown submission; dropped");
    else log.info("job handed to coordinator", { status: snapshot.status, attempts: message.attempts });
    message.ack();
  } catch (error) {
    log.error("could not start job; will retry", { error, attempts: message.attempts });
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
}

/**
 * `statex-jobs-dlq`: a job that could not even be started after every retry. The submission
 * is marked failed (if nothing else finished it) and its submitter is told.
 */
export async function consumeDeadJobs(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = JobMessage.safeParse(message.body);
    if (!parsed.success) {
      message.ack();
      continue;
    }
    const job = parsed.data;
    const log: Logger = createLogger({
      correlationId: job.correlationId,
      submissionId: job.submissionId,
      component: "jobs-dlq",
    });
    try {
      const changed = await failIfUnfinished(
        db(env.DB),
        job.submissionId,
        "The request could not be started. Please submit it again.",
        Date.now(),
      );
      if (changed) {
        const notice: NotificationMessage = {
          kind: "notify",
          event: "submission.failed",
          submissionId: job.submissionId,
          correlationId: job.correlationId,
        };
        await env.NOTIFICATIONS.send(notice);
      }
      log.error("job dead-lettered", { markedFailed: changed });
      message.ack();
    } catch (error) {
      log.error("could not record dead-lettered job; will retry", { error });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
