import { and, asc, eq, gte, lt } from "drizzle-orm";
import { type NotificationRow, submissions, type UserRow } from "../../shared/db/schema";
import { db } from "../api/submissions/repo";

/** `[start, end)` of a UTC day `YYYY-MM-DD` in epoch milliseconds. */
export function dayRange(day: string): [number, number] {
  const start = Date.parse(`${day}T00:00:00Z`);
  return [start, start + 24 * 3600_000];
}

/** The owner's requests completed on `day`, oldest first (at most 50 listed). */
export async function completedOn(env: Env, userId: string, day: string) {
  const [start, end] = dayRange(day);
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
    .limit(50);
}

/** Template variables of a digest row (`digest_<day>_<user id>:digest.daily:email`). */
export async function digestVars(env: Env, row: NotificationRow, user: UserRow): Promise<Record<string, string>> {
  const day = /^digest_(\d{4}-\d{2}-\d{2})_/.exec(row.id)?.[1] ?? "";
  const items = await completedOn(env, user.id, day);
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
