import { and, eq, inArray, lt, or } from "drizzle-orm";
import { chunks, type Db, db, idsPerStatement } from "../db/client";
import {
  apiKeys,
  type Channel,
  type NotificationEvent,
  type NotificationRow,
  notificationAttempts,
  notifications,
  type SubmissionRow,
  type SuppressionReason,
  submissions,
  type UserRow,
  users,
} from "../db/schema";
import type { Logger } from "../log";
import { emailThreadFor, resultForMail } from "../mail/thread";
import type { DeliverMessage } from "../messages";
import { issueToken } from "../signing";
import { ADAPTERS, ChannelError } from "./channels";
import { parseMailbox } from "./compose";
import { digestVars } from "./digest-vars";
import { channelsFor, defaultEnabled, destinationsOf, isEnabled, preferencesOf } from "./preferences";
import { findSuppression, suppress } from "./suppression";
import { loadTemplate, renderFor, toLocale } from "./templates";
import { sendRefusal, VERIFICATION_EVENT } from "./verification";

/** How long one sender holds a notification before another may take it over. */
const CLAIM_MS = 60_000;
/** Unsubscribe links work this long (a year: people unsubscribe from old mail). */
export const UNSUBSCRIBE_TTL_MS = 365 * 24 * 3600_000;

/** A delivery failure; `retryable` says whether another attempt can succeed. */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | null;
  constructor(message: string, retryable: boolean, cause?: unknown, retryAfterSeconds: number | null = null) {
    super(message, { cause });
    this.name = "DeliveryError";
    this.retryable = retryable;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The deterministic id of one delivery: `<subject>:<event>:<channel>`, where the subject is the
 * submission id, the account event's id, or `digest_<day>_<user id>`. Subjects never contain `:`.
 */
export const notificationId = (subject: string, event: NotificationEvent, channel: Channel | string) =>
  `${subject}:${event}:${channel}`;

/** What an event is about. */
export type EventSubject =
  | { kind: "submission"; submissionId: string }
  | { kind: "account"; userId: string; subjectId: string }
  | { kind: "digest"; userId: string; day: string };

export const subjectKey = (s: EventSubject) =>
  s.kind === "submission" ? s.submissionId : s.kind === "account" ? s.subjectId : `digest_${s.day}_${s.userId}`;

export interface FanOutInput {
  event: NotificationEvent;
  subject: EventSubject;
  correlationId: string;
  log: Logger;
}

async function timeline(
  d: Db,
  notificationId: string,
  entry: Omit<typeof notificationAttempts.$inferInsert, "notificationId" | "at">,
) {
  await d.insert(notificationAttempts).values({ notificationId, at: Date.now(), ...entry });
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
  if (input.subject.kind === "submission") {
    const [s] = await d.select().from(submissions).where(eq(submissions.id, input.subject.submissionId)).limit(1);
    if (!s) throw new DeliveryError(`unknown submission ${input.subject.submissionId}`, false);
    submission = s;
    if (s.userId) [user = null] = await d.select().from(users).where(eq(users.id, s.userId)).limit(1);
  } else {
    [user = null] = await d.select().from(users).where(eq(users.id, input.subject.userId)).limit(1);
    if (!user) throw new DeliveryError(`unknown user ${input.subject.userId}`, false);
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
        ? (submission?.email ?? user?.email ?? null)
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

export type DeliveryStatus = "sent" | "already-done" | "suppressed" | "skipped";

/**
 * Delivers one delivery-log row, exactly once as far as the platform can tell: the row is
 * claimed with a conditional update, so a redelivered message, a re-run step or a concurrent
 * sender finds it finished or claimed and does not send again. A sender that dies mid-send
 * leaves a claim that expires after `CLAIM_MS`. Suppressed addresses, switched-off channels,
 * unverified destinations and used-up daily quotas end `suppressed` with nothing sent. Throws
 * `DeliveryError` on failure (the row is back to `queued` when a retry can succeed, `failed`
 * when not).
 */
export async function deliverNotification(
  env: Env,
  id: string,
  log: Logger,
): Promise<{ status: DeliveryStatus; notification: NotificationRow }> {
  const d = db(env.DB);
  const now = Date.now();
  const [claimed] = await d
    .update(notifications)
    .set({ status: "sending", claimedUntil: now + CLAIM_MS, updatedAt: now })
    .where(
      and(
        eq(notifications.id, id),
        or(
          eq(notifications.status, "queued"),
          and(eq(notifications.status, "sending"), lt(notifications.claimedUntil, now)),
        ),
      ),
    )
    .returning();
  if (!claimed) {
    const [current] = await d.select().from(notifications).where(eq(notifications.id, id)).limit(1);
    if (!current) throw new DeliveryError(`unknown notification ${id}`, false);
    if (current.status === "sending") throw new DeliveryError("another sender holds this notification", true);
    return { status: "already-done", notification: current };
  }
  const channel = claimed.channel as Channel;
  const event = claimed.event as NotificationEvent;
  const attempt = claimed.attempts + 1;

  const finish = async (
    status: NotificationRow["status"],
    entry: {
      status: typeof notificationAttempts.$inferInsert.status;
      error?: string | null;
      providerMessageId?: string | null;
      httpStatus?: number | null;
    },
    counts: boolean,
  ) => {
    const [row] = await d
      .update(notifications)
      .set({
        status,
        attempts: counts ? attempt : claimed.attempts,
        error: entry.error ?? null,
        providerMessageId: entry.providerMessageId ?? claimed.providerMessageId,
        claimedUntil: null,
        updatedAt: Date.now(),
        ...(status === "sent" ? { sentAt: Date.now() } : {}),
      })
      .where(eq(notifications.id, id))
      .returning();
    await timeline(d, id, { attempt: counts ? attempt : 0, ...entry });
    return row ?? claimed;
  };

  const suppressed = await findSuppression(env, channel, claimed.recipient);
  if (suppressed && !overridesSuppression(event, channel, suppressed.reason)) {
    const row = await finish(
      "suppressed",
      { status: "suppressed", error: `address suppressed (${suppressed.reason})` },
      false,
    );
    log.info("notification suppressed", { notificationId: id, reason: suppressed.reason });
    return { status: "suppressed", notification: row };
  }
  if (claimed.userId && !(await isEnabled(env, claimed.userId, event, channel))) {
    const row = await finish("suppressed", { status: "skipped", error: "turned off by the recipient" }, false);
    return { status: "skipped", notification: row };
  }
  // Unproven destinations and used-up daily quotas: nothing goes out, and the log says why.
  const refusal =
    claimed.event === VERIFICATION_EVENT
      ? "ownership codes are never sent again"
      : await sendRefusal(env, claimed, now);
  if (refusal) {
    const row = await finish("suppressed", { status: "skipped", error: refusal }, false);
    log.info("notification skipped", { notificationId: id, channel, reason: refusal });
    return { status: "skipped", notification: row };
  }

  try {
    const message = await renderMessage(env, claimed);
    const result = await ADAPTERS[channel].send(env, { ...message, reference: id });
    let row = await finish("sent", { status: "sent", providerMessageId: result.providerMessageId }, true);
    if (result.delivered) row = await markDelivered(env, id, result.providerMessageId);
    log.info("notification sent", {
      notificationId: id,
      channel,
      providerMessageId: result.providerMessageId,
      parts: result.parts,
    });
    return { status: "sent", notification: row };
  } catch (cause) {
    const error =
      cause instanceof DeliveryError
        ? cause
        : cause instanceof ChannelError
          ? new DeliveryError(cause.message, cause.retryable, cause, cause.retryAfterSeconds)
          : new DeliveryError("the notification could not be sent", true, cause);
    const text = (cause instanceof Error ? cause.message : String(cause)).slice(0, 500);
    const httpStatus = cause instanceof ChannelError ? cause.httpStatus : null;
    if (error.retryable) {
      await finish("queued", { status: "retry", error: text, httpStatus }, true);
    } else {
      await finish("failed", { status: "failed", error: text, httpStatus }, true);
      if (cause instanceof ChannelError && cause.suppress) {
        await suppress(env, {
          channel,
          address: claimed.recipient,
          reason: cause.suppress,
          source: `provider:${channel}`,
        });
      }
    }
    log.warn("notification failed", { notificationId: id, channel, retryable: error.retryable, error: cause });
    throw error;
  }
}

/**
 * Security notices (password changed, new API key) must reach the account's address even when
 * a bounce or complaint put it on the list: those reports come from outside, and a notice held
 * back is exactly what someone taking over the account wants. An admin's manual entry, an
 * unsubscribe or a provider's "invalid" still holds: those are deliberate or authoritative.
 */
function overridesSuppression(event: NotificationEvent, channel: Channel, reason: SuppressionReason): boolean {
  return channel === "email" && event.startsWith("account.") && (reason === "hard_bounce" || reason === "complaint");
}

/**
 * Records that the provider confirmed delivery (synchronously for chat posts, later through a
 * status callback). Only a `sent` row moves; anything else is left as it is.
 */
export async function markDelivered(env: Env, id: string, providerMessageId: string | null) {
  const d = db(env.DB);
  const [row] = await d
    .update(notifications)
    .set({ status: "delivered", updatedAt: Date.now() })
    .where(and(eq(notifications.id, id), eq(notifications.status, "sent")))
    .returning();
  if (row) await timeline(d, id, { status: "delivered", attempt: row.attempts, providerMessageId });
  const [current] = row ? [row] : await d.select().from(notifications).where(eq(notifications.id, id)).limit(1);
  if (!current) throw new DeliveryError(`unknown notification ${id}`, false);
  return current;
}

/**
 * A provider reported, after the send, that the message never arrived: the row becomes
 * `failed` (from `sent` or `delivered`), and a dead address is suppressed.
 */
export async function markUndelivered(
  env: Env,
  id: string,
  details: { error: string; providerMessageId: string | null; suppressAs?: "invalid" | "unsubscribe" | null },
) {
  const d = db(env.DB);
  const [row] = await d
    .update(notifications)
    .set({ status: "failed", error: details.error.slice(0, 500), updatedAt: Date.now() })
    .where(and(eq(notifications.id, id), inArray(notifications.status, ["sent", "delivered"])))
    .returning();
  if (!row) return null;
  await timeline(d, id, {
    status: "failed",
    attempt: row.attempts,
    providerMessageId: details.providerMessageId,
    error: details.error.slice(0, 500),
  });
  if (details.suppressAs) {
    await suppress(env, {
      channel: row.channel as Channel,
      address: row.recipient,
      reason: details.suppressAs,
      source: `provider:${row.channel}:callback`,
    });
  }
  return row;
}

const base = (env: Env) => env.PUBLIC_BASE_URL.replace(/\/+$/, "");

/** The signed subject of an unsubscribe link: `<user id>~<event with - for .>~<channel>`. */
export const unsubscribeSubject = (userId: string, event: NotificationEvent, channel: Channel) =>
  `${userId}~${event.replace(".", "-")}~${channel}`;

/** A link that switches this event off on this channel, without signing in. */
export async function unsubscribeUrl(env: Env, userId: string, event: NotificationEvent, channel: Channel) {
  const key = env.SIGNING_KEY;
  if (!key) return undefined;
  const token = await issueToken(key, "unsubscribe", unsubscribeSubject(userId, event, channel), UNSUBSCRIBE_TTL_MS);
  return `${base(env)}/u/unsubscribe/${token}`;
}

/** Template variables of the row's event, from the stored facts (never from the message). */
async function eventVars(env: Env, row: NotificationRow, user: UserRow | null): Promise<Record<string, string>> {
  const d = db(env.DB);
  const name = user?.name || (user?.email ?? row.recipient).split("@")[0] || "";
  const event = row.event as NotificationEvent;
  if (row.submissionId) {
    const [s] = await d.select().from(submissions).where(eq(submissions.id, row.submissionId)).limit(1);
    if (!s) throw new DeliveryError(`unknown submission ${row.submissionId}`, false);
    const link = s.userId ? `${base(env)}/app/requests/${s.id}` : `${base(env)}/v1/submissions/${s.id}`;
    const vars: Record<string, string> = { name, id: s.id, link, requestId: s.correlationId };
    if (event === "submission.failed") vars.reason = s.error ?? "The request could not be processed.";
    if (event === "submission.completed") {
      const object = s.resultKey ? await env.FILES.get(s.resultKey) : null;
      if (!object) throw new DeliveryError("the result is not stored yet", true);
      // Whole when it fits a mailbox; else its opening and a signed link to the rest.
      vars.result = await resultForMail(env, s.id, (await object.text()).trim());
      vars.summary = s.summary ?? "";
    }
    return vars;
  }
  const time = `${new Date(row.createdAt).toISOString().replace("T", " ").slice(0, 16)} UTC`;
  if (event === "account.api_key_created") {
    const subject = row.id.split(":")[0] ?? "";
    const [key] = await d.select({ name: apiKeys.name }).from(apiKeys).where(eq(apiKeys.id, subject)).limit(1);
    return { name, link: `${base(env)}/app/profile`, keyName: key?.name ?? "?", time };
  }
  if (event === "account.password_changed") return { name, link: `${base(env)}/auth/reset`, time };
  if (event === "digest.daily" && user) return { name, ...(await digestVars(env, row, user)) };
  return { name, link: `${base(env)}/app` };
}

/** Renders the row's template for its channel and locale, with the unsubscribe link and mail headers. */
export async function renderMessage(env: Env, row: NotificationRow) {
  const d = db(env.DB);
  const channel = row.channel as Channel;
  const event = row.event as NotificationEvent;
  const [user = null] = row.userId ? await d.select().from(users).where(eq(users.id, row.userId)).limit(1) : [];
  const locale = toLocale(row.locale ?? user?.locale);
  const vars = await eventVars(env, row, user);
  const template = await loadTemplate(env, event, channel, locale);
  const unsubscribe = row.userId ? await unsubscribeUrl(env, row.userId, event, channel) : undefined;
  const rendered = renderFor(channel, template, vars, { locale, unsubscribeUrl: unsubscribe });
  const from = parseMailbox(env.MAIL_FROM);
  const headers: Record<string, string> = {};
  if (row.submissionId) headers["X-StateX-Submission"] = row.submissionId;
  if (row.correlationId) headers["X-Request-Id"] = row.correlationId;
  if (unsubscribe) {
    // RFC 2369 + RFC 8058: mail clients offer one-click unsubscribe, POSTing to the same URL.
    headers["List-Unsubscribe"] = `<${unsubscribe}>`;
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
  }
  // A request that came by email is answered in its sender's thread: `Re:` their subject,
  // In-Reply-To/References their messages, and the signed Reply-To that threads their reply.
  const thread = channel === "email" && row.submissionId ? await emailThreadFor(env, row.submissionId) : null;
  if (thread) {
    if (thread.inReplyTo) {
      headers["In-Reply-To"] = `<${thread.inReplyTo}>`;
      const chain = [...thread.references.filter((r) => r !== thread.inReplyTo), thread.inReplyTo].slice(-20);
      headers.References = chain.map((r) => `<${r}>`).join(" ");
    }
    headers["Reply-To"] = thread.replyTo;
  }
  return {
    to: row.recipient,
    subject: thread ? thread.subject : rendered.subject,
    text: rendered.text,
    html: rendered.html,
    headers,
    messageId: `${row.id.replace(/[^A-Za-z0-9._-]/g, ".")}@${from.addr.split("@")[1] ?? "statex.localhost"}`,
  };
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

/** Compatibility for callers of the email-only engine: the submission's event, email inline. */
export async function deliverSubmissionEmail(
  env: Env,
  args: { submissionId: string; event: NotificationEvent; correlationId: string; log: Logger },
): Promise<{ status: "sent" | "already-sent" | DeliveryStatus; notification: NotificationRow | null }> {
  await fanOut(env, {
    event: args.event,
    subject: { kind: "submission", submissionId: args.submissionId },
    correlationId: args.correlationId,
    log: args.log,
  });
  const id = notificationId(args.submissionId, args.event, "email");
  const [row] = await db(env.DB).select().from(notifications).where(eq(notifications.id, id)).limit(1);
  if (!row) return { status: "skipped", notification: null };
  const result = await deliverNotification(env, id, args.log);
  return {
    status: result.status === "already-done" ? "already-sent" : result.status,
    notification: result.notification,
  };
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
  for (const r of rows) await timeline(d, r.id, { status: "queued", attempt: 0, error: `re-driven by ${actor}` });
  for (const r of rows) await enqueueDeliveries(env, [r], r.correlationId ?? `redrive-${r.id}`);
  return rows.map((r) => r.id);
}
