/**
 * The notification resource's queries: the delivery log with its filters and timelines, one
 * delivery of a user's, the stored templates and their upsert, and the account an admin's
 * filter names by email.
 */
import { and, asc, desc, eq, gte, inArray, lt, lte } from "drizzle-orm";
import { chunks, db, idsPerStatement } from "../../../shared/db/client";
import {
  type Channel,
  type Locale,
  type NotificationAttemptRow,
  type NotificationEvent,
  type NotificationRow,
  notificationAttempts,
  notifications,
  notificationTemplates,
  users,
} from "../../../shared/db/schema";
import type { Template } from "../../../shared/notifications/templates";

/** Which delivery-log rows a list shows. */
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

/** One row of the log as `searchLog` returns it. */
export type LogRow = Awaited<ReturnType<typeof searchLog>>[number];

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

/** One row of the user's own log, or null (another user's id is as unknown as a made-up one). */
export async function ownDelivery(d1: D1Database, userId: string, id: string) {
  const [row] = await db(d1)
    .select()
    .from(notifications)
    .where(and(eq(notifications.id, id), eq(notifications.userId, userId)))
    .limit(1);
  return row ?? null;
}

/** The log rows matching `f` (at most `limit`, newest first) and their timelines. */
export async function logWithTimelines(d1: D1Database, f: LogFilter, limit: number) {
  const rows = await searchLog(d1, f, limit);
  const lines = await timelines(
    d1,
    rows.map((r) => r.n.id),
  );
  return { rows, lines };
}

/** The id of the account with this (lower-case) email, or null. */
export async function userIdByEmail(d1: D1Database, email: string): Promise<string | null> {
  const [u] = await db(d1).select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  return u?.id ?? null;
}

/** Every template stored in D1 (the others are the shipped defaults). */
export async function storedTemplates(d1: D1Database) {
  return db(d1).select().from(notificationTemplates);
}

/** Stores the text of one template, replacing the one before. */
export async function upsertTemplate(
  d1: D1Database,
  key: { event: NotificationEvent; channel: Channel; locale: Locale },
  text: Template,
  by: { userId: string; at: number },
) {
  await db(d1)
    .insert(notificationTemplates)
    .values({ ...key, ...text, updatedAt: by.at, updatedBy: by.userId })
    .onConflictDoUpdate({
      target: [notificationTemplates.event, notificationTemplates.channel, notificationTemplates.locale],
      set: { ...text, updatedAt: by.at, updatedBy: by.userId },
    });
}
