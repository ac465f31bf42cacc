/**
 * The shape of a delivery-log row's id, stated once: `<subject>:<event>:<channel>`. The id is
 * deterministic, so a redelivered event finds its rows written and sends nothing twice; the
 * subject says what the event is about, and for a thread message carries its `msg_…` id, which
 * is how rendering finds the message again.
 */
import type { Channel, NotificationEvent } from "../db/schema";

/**
 * The deterministic id of one delivery: `<subject>:<event>:<channel>`, where the subject is the
 * submission id, the account event's id, or `digest_<day>_<user id>`. Subjects never contain `:`.
 */
export const notificationId = (subject: string, event: NotificationEvent, channel: Channel | string) =>
  `${subject}:${event}:${channel}`;

/** What an event is about. */
export type EventSubject =
  /** About a request, told to its owner; with `messageId`, about one message of its thread (a staff reply). */
  | { kind: "submission"; submissionId: string; messageId?: string }
  /**
   * A customer's request told to one member of staff (`userId`), not to its owner; with
   * `messageId`, about one customer message of its thread.
   */
  | { kind: "staff"; userId: string; submissionId: string; messageId?: string }
  | { kind: "account"; userId: string; subjectId: string }
  | { kind: "digest"; userId: string; day: string }
  /** An operational alert told to one admin (`userId`): shared/slo/alerts.ts. */
  | { kind: "alert"; userId: string; alertId: string };

/** One delivery per message: two replies in a thread are two deliveries, a redelivered one is none. */
const messagePart = (messageId: string | undefined) => (messageId ? `_${messageId}` : "");

export const subjectKey = (s: EventSubject) =>
  s.kind === "submission"
    ? `${s.submissionId}${messagePart(s.messageId)}`
    : s.kind === "staff"
      ? `staff_${s.submissionId}_${s.userId}${messagePart(s.messageId)}`
      : s.kind === "account"
        ? s.subjectId
        : s.kind === "alert"
          ? `alert_${s.alertId}_${s.userId}`
          : `digest_${s.day}_${s.userId}`;

/** The thread message a delivery-log row is about (the `msg_…` in its id), if any. */
export const messageIdOf = (notificationId: string): string | null =>
  /_(msg_[0-9A-HJKMNP-TV-Z]{26}):/.exec(notificationId)?.[1] ?? null;
