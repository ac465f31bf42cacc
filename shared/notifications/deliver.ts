/**
 * The notification engine's entry: an event becomes one delivery-log row per channel the
 * recipient chose (the fan-out), and each row one `deliver` message on the queue — or, for the
 * job's notify step, the email at once. Re-driving failed rows puts them back in the queue.
 * Callers catch the engine's `DeliveryError`, exported here with the entry points that throw it.
 */
import { and, eq, inArray } from "drizzle-orm";
import { chunks, db, idsPerStatement } from "../db/client";
import {
  type Channel,
  isStaff,
  type NotificationEvent,
  type NotificationRow,
  notificationAttempts,
  notifications,
  type SubmissionRow,
  submissions,
  type UserRow,
  users,
} from "../db/schema";
import type { Logger } from "../log";
import type { DeliverMessage } from "../messages";
import { ADAPTERS } from "./channels";
import { DeliveryError } from "./delivery-error";
import { recordAttempt } from "./delivery-log";
import { type EventSubject, notificationId, subjectKey } from "./notification-id";
import { channelsFor, defaultEnabled, destinationsOf, eventsFor, preferencesOf } from "./preferences";
import { deliverNotification } from "./send";
import { toLocale } from "./templates";

export { DeliveryError, type EventSubject };

/** One event to tell its recipient about. */
export interface FanOutInput {
  event: NotificationEvent;
  subject: EventSubject;
  correlationId: string;
  log: Logger;
}

/**
 * Writes one `queued` delivery-log row for each channel the recipient has switched on for
 * this event and can be reached on (a destination, a configured provider). Rows that exist
 * already are left alone, so a redelivered event adds nothing. Returns the rows still to be
 * delivered (new, or queued and never finished).
 */
export async function fanOut(env: Env, input: FanOutInput): Promise<NotificationRow[]> {
  const d = db(env.DB);
  let user: UserRow | null = null;
  let submission: SubmissionRow | null = null;
  if (input.subject.kind === "submission" || input.subject.kind === "staff") {
    const [s] = await d.select().from(submissions).where(eq(submissions.id, input.subject.submissionId)).limit(1);
    if (!s) throw new DeliveryError(`unknown submission ${input.subject.submissionId}`, false);
    submission = s;
    const recipientId = input.subject.kind === "staff" ? input.subject.userId : s.userId;
    if (recipientId) [user = null] = await d.select().from(users).where(eq(users.id, recipientId)).limit(1);
    // Staff events go to staff only, whatever the account was when the event was queued.
    if (input.subject.kind === "staff" && !(user && isStaff(user.role) && eventsFor(user.role).includes(input.event))) {
      return [];
    }
  } else {
    [user = null] = await d.select().from(users).where(eq(users.id, input.subject.userId)).limit(1);
    if (!user) throw new DeliveryError(`unknown user ${input.subject.userId}`, false);
    // Alerts go to admins only, whatever the account was when the alert fired.
    if (input.subject.kind === "alert" && !eventsFor(user.role).includes(input.event)) return [];
  }
  if (user?.disabledAt) return [];

  // Submissions without an account (made before accounts existed) get the defaults: email.
  const prefs = user ? await preferencesOf(env, user.id) : null;
  const destinations = user ? await destinationsOf(env, user.id) : [];
  const wanted: { channel: Channel; recipient: string }[] = [];
  for (const channel of channelsFor(input.event)) {
    const on = prefs ? prefs[input.event][channel] === true : defaultEnabled(input.event, channel);
    if (!on) continue;
    const recipient =
      channel === "email"
        ? input.subject.kind === "staff"
          ? (user?.email ?? null)
          : (submission?.email ?? user?.email ?? null)
        : (destinations.find((x) => x.channel === channel)?.address ?? null);
    if (!recipient) continue;
    const problem = ADAPTERS[channel].configProblem(env);
    if (problem) {
      input.log.warn("channel not configured; skipped", { channel, problem });
      continue;
    }
    wanted.push({ channel, recipient });
  }
  if (wanted.length === 0) return [];

  const key = subjectKey(input.subject);
  const now = Date.now();
  const ids = wanted.map((w) => notificationId(key, input.event, w.channel));
  const inserted = await d
    .insert(notifications)
    .values(
      wanted.map((w, i) => ({
        id: ids[i] as string,
        submissionId: submission?.id ?? null,
        userId: user?.id ?? null,
        event: input.event,
        channel: w.channel,
        recipient: w.recipient,
        status: "queued" as const,
        locale: toLocale(user?.locale),
        correlationId: input.correlationId,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .onConflictDoNothing()
    .returning({ id: notifications.id });
  if (inserted.length > 0) {
    await d
      .insert(notificationAttempts)
      .values(inserted.map((r) => ({ notificationId: r.id, status: "queued" as const, attempt: 0, at: now })));
  }
  return d
    .select()
    .from(notifications)
    .where(and(inArray(notifications.id, ids), inArray(notifications.status, ["queued", "sending"])));
}

/** Sends one `deliver` message per row (the queue spreads channels over consumers and retries each alone). */
export async function enqueueDeliveries(env: Env, rows: NotificationRow[], correlationId: string, delaySeconds = 0) {
  if (rows.length === 0) return;
  await env.NOTIFICATIONS.sendBatch(
    rows.map((r) => ({
      body: { kind: "deliver", notificationId: r.id, correlationId } satisfies DeliverMessage,
      ...(delaySeconds ? { delaySeconds } : {}),
    })),
  );
}

/**
 * Tells the recipient about an event on every channel they chose: writes the delivery rows,
 * then either delivers the email at once (`inlineEmail`, the job's notify step, so the step's
 * outcome is the email's) and queues the rest, or queues all of them.
 */
export async function notifyEvent(
  env: Env,
  input: FanOutInput & { inlineEmail?: boolean },
): Promise<{ id: string; channel: string; status: string }[]> {
  const pending = await fanOut(env, input);
  const inline = input.inlineEmail ? pending.filter((r) => r.channel === "email") : [];
  const queued = pending.filter((r) => !inline.includes(r));
  await enqueueDeliveries(env, queued, input.correlationId);
  const out: { id: string; channel: string; status: string }[] = queued.map((r) => ({
    id: r.id,
    channel: r.channel,
    status: "queued",
  }));
  for (const row of inline) {
    const result = await deliverNotification(env, row.id, input.log);
    out.push({ id: row.id, channel: row.channel, status: result.status });
  }
  return out;
}

/**
 * Puts finished-but-failed deliveries back in the queue (an admin's re-drive). Only `failed`
 * rows move; anything sent stays sent. Returns the ids re-queued.
 */
export async function redriveFailed(env: Env, ids: string[], actor: string): Promise<string[]> {
  if (ids.length === 0) return [];
  const d = db(env.DB);
  // The SET and the status take five parameters of the statement's 100 (D1's limit).
  const rows = (
    await Promise.all(
      chunks(ids, idsPerStatement(5)).map((some) =>
        d
          .update(notifications)
          .set({ status: "queued", error: null, claimedUntil: null, updatedAt: Date.now() })
          .where(and(inArray(notifications.id, some), eq(notifications.status, "failed")))
          .returning(),
      ),
    )
  ).flat();
  for (const r of rows) await recordAttempt(d, r.id, { status: "queued", attempt: 0, error: `re-driven by ${actor}` });
  for (const r of rows) await enqueueDeliveries(env, [r], r.correlationId ?? `redrive-${r.id}`);
  return rows.map((r) => r.id);
}
