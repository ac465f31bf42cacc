import { z } from "zod";
import { NOTIFICATION_EVENTS, type NotificationEvent } from "./db/notifications";
import { type StepName, WORKFLOWS } from "./pipeline/workflows";

/**
 * Queue message shapes, validated by every consumer. Messages carry ids, never payloads: the
 * source of truth stays in D1 and R2, and redelivery of a message is always harmless.
 */

/** The default workflow's steps, in the order the job coordinator runs them. */
export const PIPELINE_STEPS: readonly StepName[] = WORKFLOWS.analyse;

/** `statex-jobs`: start (or re-drive) the job of one submission. */
export const JobMessage = z.object({
  kind: z.literal("job.start"),
  submissionId: z.string().min(1),
  correlationId: z.string().min(1),
});
export type JobMessage = z.infer<typeof JobMessage>;

export { NOTIFICATION_EVENTS, type NotificationEvent };

/** Events about one submission, told to its owner. */
export const SUBMISSION_EVENTS = [
  "submission.received",
  "submission.completed",
  "submission.failed",
  "submission.cancelled",
  "submission.needs_review",
] as const satisfies readonly NotificationEvent[];
export type SubmissionEvent = (typeof SUBMISSION_EVENTS)[number];

/** Security notices about an account. */
export const ACCOUNT_EVENTS = [
  "account.password_changed",
  "account.api_key_created",
] as const satisfies readonly NotificationEvent[];

/**
 * `statex-notifications`, six kinds:
 * - `notify`: an event of a submission; the consumer fans it out to the owner's channels.
 * - `notify.account`: an account event (`subjectId` is its own id: the API key id, or a ULID).
 * - `deliver`: send one delivery-log row (one channel); retried alone, with backoff.
 * - `notify.staff`: a customer's request arrived; the consumer tells every member of staff.
 * - `notify.reply`: staff replied in a request's thread; the consumer delivers the reply.
 * - `notify.customer`: the customer wrote in a request's thread; the consumer tells its
 *   assignee (or, with nobody assigned, every member of staff).
 */
export const NotifyMessage = z.object({
  kind: z.literal("notify"),
  event: z.enum(SUBMISSION_EVENTS),
  submissionId: z.string().min(1),
  correlationId: z.string().min(1),
});
export type NotifyMessage = z.infer<typeof NotifyMessage>;

export const AccountNotifyMessage = z.object({
  kind: z.literal("notify.account"),
  event: z.enum(ACCOUNT_EVENTS),
  userId: z.string().min(1),
  subjectId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/),
  correlationId: z.string().min(1),
});
export type AccountNotifyMessage = z.infer<typeof AccountNotifyMessage>;

export const StaffNotifyMessage = z.object({
  kind: z.literal("notify.staff"),
  submissionId: z.string().min(1),
  correlationId: z.string().min(1),
});
export type StaffNotifyMessage = z.infer<typeof StaffNotifyMessage>;

/** A staff reply was written in a request's thread: the consumer delivers it to the customer. */
export const ReplyNotifyMessage = z.object({
  kind: z.literal("notify.reply"),
  submissionId: z.string().min(1),
  messageId: z.string().min(1),
  correlationId: z.string().min(1),
});
export type ReplyNotifyMessage = z.infer<typeof ReplyNotifyMessage>;

/** A customer wrote in a request's thread (mail, portal or API): the consumer tells staff. */
export const CustomerNotifyMessage = z.object({
  kind: z.literal("notify.customer"),
  submissionId: z.string().min(1),
  messageId: z.string().min(1),
  correlationId: z.string().min(1),
});
export type CustomerNotifyMessage = z.infer<typeof CustomerNotifyMessage>;

export const DeliverMessage = z.object({
  kind: z.literal("deliver"),
  notificationId: z.string().min(1).max(300),
  correlationId: z.string().min(1),
});
export type DeliverMessage = z.infer<typeof DeliverMessage>;

export const NotificationMessage = z.discriminatedUnion("kind", [
  NotifyMessage,
  AccountNotifyMessage,
  StaffNotifyMessage,
  ReplyNotifyMessage,
  CustomerNotifyMessage,
  DeliverMessage,
]);
export type NotificationMessage = z.infer<typeof NotificationMessage>;
