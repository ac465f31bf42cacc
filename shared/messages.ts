import { z } from "zod";
import { type StepName, WORKFLOWS } from "./workflows";

/**
 * Queue message shapes, validated by every consumer. Messages carry ids, never payloads: the
 * source of truth stays in D1 and R2, and redelivery of a message is always harmless.
 */

export type { StepName };

/** The default workflow's steps, in the order the job coordinator runs them. */
export const PIPELINE_STEPS: readonly StepName[] = WORKFLOWS.analyse;

/** `statex-jobs`: start (or re-drive) the job of one submission. */
export const JobMessage = z.object({
  kind: z.literal("job.start"),
  submissionId: z.string().min(1),
  correlationId: z.string().min(1),
});
export type JobMessage = z.infer<typeof JobMessage>;

export const NOTIFICATION_EVENTS = ["submission.completed", "submission.failed", "submission.cancelled"] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** `statex-notifications`: tell the submitter about an event of their submission. */
export const NotificationMessage = z.object({
  kind: z.literal("notify"),
  event: z.enum(NOTIFICATION_EVENTS),
  submissionId: z.string().min(1),
  correlationId: z.string().min(1),
});
export type NotificationMessage = z.infer<typeof NotificationMessage>;
