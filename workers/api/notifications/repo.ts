import { and, asc, desc, eq, gte, inArray, lt, lte, ne } from "drizzle-orm";
import { chunks, db, idsPerStatement } from "../../../shared/db/client";
import {
  type NotificationAttemptRow,
  type NotificationRow,
  notificationAttempts,
  notifications,
  users,
} from "../../../shared/db/schema";
import { VERIFICATION_EVENT } from "../../../shared/notifications/verification";

export interface LogFilter {
  userId?: string;
  submissionId?: string;
  status?: NotificationRow["status"];
  channel?: string;
  event?: string;
  /** ISO dates, inclusive. */
  from?: string;
  to?: string;
  /** Cursor: rows created before this (epoch ms). */
  before?: number;
}

/** Delivery-log rows matching `f`, newest first, with the recipient account's email. */
export async function searchLog(d1: D1Database, f: LogFilter, limit: number) {
  return db(d1)
    .select({ n: notifications, userEmail: users.email })
    .from(notifications)
    .leftJoin(users, eq(users.id, notifications.userId))
    .where(
      and(
        f.userId ? eq(notifications.userId, f.userId) : undefined,
        f.submissionId ? eq(notifications.submissionId, f.submissionId) : undefined,
        f.status ? eq(notifications.status, f.status) : undefined,
        f.channel ? eq(notifications.channel, f.channel) : undefined,
        f.event ? eq(notifications.event, f.event) : undefined,
        f.from ? gte(notifications.createdAt, Date.parse(f.from)) : undefined,
        f.to ? lte(notifications.createdAt, Date.parse(f.to) + (f.to.length <= 10 ? 86_399_999 : 0)) : undefined,
        f.before ? lt(notifications.createdAt, f.before) : undefined,
      ),
    )
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit);
}

/** Timelines of the given rows, oldest entry first. */
export async function timelines(d1: D1Database, ids: string[]): Promise<Map<string, NotificationAttemptRow[]>> {
  const out = new Map<string, NotificationAttemptRow[]>();
  if (ids.length === 0) return out;
  const d = db(d1);
  const rows = (
    await Promise.all(
      chunks(ids, idsPerStatement()).map((some) =>
        d
          .select()
          .from(notificationAttempts)
          .where(inArray(notificationAttempts.notificationId, some))
          .orderBy(asc(notificationAttempts.at), asc(notificationAttempts.id)),
      ),
    )
  ).flat();
  for (const r of rows) out.set(r.notificationId, [...(out.get(r.notificationId) ?? []), r]);
  return out;
}

/** The recipient's view of a phone number or webhook: enough to recognise it, no more. */
export function maskAddress(channel: string, address: string): string {
  if (channel === "email") return address;
  if (channel === "slack" || channel === "discord")
    return `${address.slice(0, address.indexOf("/", 8) + 1)}…${address.slice(-4)}`;
  return address.length > 4 ? `${"•".repeat(Math.min(8, address.length - 4))}${address.slice(-4)}` : address;
}

export function toDeliveryView(n: NotificationRow, timeline: NotificationAttemptRow[] = [], mask = true) {
  return {
    id: n.id,
    event: n.event,
    channel: n.channel,
    recipient: mask ? maskAddress(n.channel, n.recipient) : n.recipient,
    status: n.status,
    attempts: n.attempts,
    submissionId: n.submissionId,
    providerMessageId: n.providerMessageId,
    error: n.error,
    createdAt: new Date(n.createdAt).toISOString(),
    updatedAt: new Date(n.updatedAt).toISOString(),
    sentAt: n.sentAt === null ? null : new Date(n.sentAt).toISOString(),
    timeline: timeline.map((t) => ({
      status: t.status,
      attempt: t.attempt,
      at: new Date(t.at).toISOString(),
      providerMessageId: t.providerMessageId,
      error: t.error,
      httpStatus: t.httpStatus,
    })),
  };
}

/** One row of the user's own log, or null (another user's id is as unknown as a made-up one). */
export async function ownDelivery(d1: D1Database, userId: string | null, id: string) {
  const [row] = await db(d1)
    .select()
    .from(notifications)
    .where(userId ? and(eq(notifications.id, id), eq(notifications.userId, userId)) : eq(notifications.id, id))
    .limit(1);
  return row ?? null;
}

/** The delivery a provider's message id belongs to, on one channel. */
export async function deliveryByProviderId(d1: D1Database, channel: string, providerMessageId: string) {
  const [row] = await db(d1)
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.providerMessageId, providerMessageId),
        eq(notifications.channel, channel),
        // An ownership code's row is `delivered` when the code is entered, not on a provider report.
        ne(notifications.event, VERIFICATION_EVENT),
      ),
    )
    .limit(1);
  return row ?? null;
}
