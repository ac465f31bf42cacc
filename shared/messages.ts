import { z } from "zod";

/**
 * Queue message shapes, validated by every consumer. Messages carry ids, never payloads: the
 * source of truth stays in D1 and R2, and redelivery of a message is always harmless.
 */

/** The pipeline's steps, in the order the job coordinator runs them. */
export const PIPELINE_STEPS = ["analyse", "store", "notify"] as const;
export type StepName = (typeof PIPELINE_STEPS)[number];

/** `statex-jobs`: start (or re-drive) the job of one submission. */
export const JobMessage = z.object({
  kind: z.literal("job.start"),
  submissionId: z.string().min(1),
  correlationId: z.string().min(1),
});
export type JobMessage = z.infer<typeof JobMessage>;

export const NOTIFICATION_EVENTS = ["submission.completed", "submission.failed"] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** `statex-notifications`: tell the submitter about an event of their submission. */
export const NotificationMessage = z.object({
  kind: z.literal("notify"),
  event: z.enum(NOTIFICATION_EVENTS),
  submissionId: z.string().min(1),
  correlationId: z.string().min(1),
});
export type NotificationMessage = z.infer<typeof NotificationMessage>;
