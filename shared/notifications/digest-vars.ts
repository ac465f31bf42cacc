/**
 * What the daily digests list: the owner's requests completed on one local day of their time
 * zone, or for staff every request that arrived that day, and the template variables of a
 * digest delivery built from them.
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

/** Every customer's requests that arrived on the local day `day` of `zone`, oldest first (at most 50 listed). */
export async function arrivedOn(env: Env, day: string, zone: string, limit = 50) {
  const [start, end] = zonedDayRange(day, zone);
  return db(env.DB)
    .select({ id: submissions.id, summary: submissions.excerpt, email: submissions.email })
    .from(submissions)
    .where(and(gte(submissions.createdAt, start), lt(submissions.createdAt, end)))
    .orderBy(asc(submissions.createdAt))
    .limit(limit);
}

/**
 * Template variables of a digest row (`digest_<day>_<user id>:<event>:email`): the owner's
 * results (`digest.daily`), or for staff the day's new requests with their desk links
 * (`staff.digest`).
 */
export async function digestVars(env: Env, row: NotificationRow, user: UserRow): Promise<Record<string, string>> {
  const day = /^digest_(\d{4}-\d{2}-\d{2})_/.exec(row.id)?.[1] ?? "";
  const base = env.PUBLIC_BASE_URL.replace(/\/+$/, "");
  const staff = row.event === "staff.digest";
  const items = staff ? await arrivedOn(env, day, user.timeZone) : await completedOn(env, user.id, day, user.timeZone);
  const line = (s: { id: string; summary: string | null; email?: string }) =>
    `- ${s.id}${s.email ? ` (${s.email})` : ""}: ${(s.summary ?? "").replace(/\s+/g, " ").slice(0, 160)} ${base}/app/${staff ? "desk" : "requests"}/${s.id}`;
  return {
    date: day,
    count: String(items.length),
    items: items.map(line).join("\n"),
    link: `${base}/app${staff ? "/desk" : ""}`,
  };
}
