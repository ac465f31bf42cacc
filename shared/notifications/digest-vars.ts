/**
 * What the daily digest lists: the owner's requests completed on one local day of their time
 * zone, and the template variables of a digest delivery built from them.
 */
import { and, asc, eq, gte, lt } from "drizzle-orm";
import { db } from "../db/client";
import { type NotificationRow, submissions, type UserRow } from "../db/schema";
import { zonedDayRange } from "./zoned";

/** The owner's requests completed on the local day `day` of `zone`, oldest first (at most 50 listed). */
export async function completedOn(env: Env, userId: string, day: string, zone: string, limit = 50) {
  const [start, end] = zonedDayRange(day, zone);
  return db(env.DB)
    .select({ id: submissions.id, summary: submissions.summary })
    .from(submissions)
    .where(
      and(
        eq(submissions.userId, userId),
        eq(submissions.status, "completed"),
        gte(submissions.completedAt, start),
        lt(submissions.completedAt, end),
      ),
    )
    .orderBy(asc(submissions.completedAt))
    .limit(limit);
}

/** Template variables of a digest row (`digest_<day>_<user id>:digest.daily:email`). */
export async function digestVars(env: Env, row: NotificationRow, user: UserRow): Promise<Record<string, string>> {
  const day = /^digest_(\d{4}-\d{2}-\d{2})_/.exec(row.id)?.[1] ?? "";
  const items = await completedOn(env, user.id, day, user.timeZone);
  const base = env.PUBLIC_BASE_URL.replace(/\/+$/, "");
  return {
    date: day,
    count: String(items.length),
    items: items
      .map((s) => `- ${s.id}: ${(s.summary ?? "").replace(/\s+/g, " ").slice(0, 160)} ${base}/app/requests/${s.id}`)
      .join("\n"),
    link: `${base}/app`,
  };
}
