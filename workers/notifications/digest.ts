import { and, eq, gte, inArray, isNull, lt } from "drizzle-orm";
import { notificationPreferences, submissions, users } from "../../shared/db/schema";
import { createLogger } from "../../shared/log";
import { db } from "../api/submissions/repo";
import { enqueueDeliveries, fanOut } from "./deliver";
import { dayRange } from "./digest-vars";

/** The UTC day before `now`, as `YYYY-MM-DD`. */
export const previousDay = (now: number) => new Date(now - 24 * 3600_000).toISOString().slice(0, 10);

/**
 * The daily digest (cron): every user who switched `digest.daily` on and had requests
 * completed on the previous UTC day gets one email listing them. The delivery id
 * `digest_<day>_<user>:digest.daily:email` makes a re-run of the same day send nothing new;
 * suppression and preferences apply as to every other notification. Returns the users queued.
 */
export async function runDailyDigest(env: Env, now = Date.now()): Promise<number> {
  const day = previousDay(now);
  const [start, end] = dayRange(day);
  const d = db(env.DB);
  const log = createLogger({ correlationId: `digest-${day}`, component: "digest" });
  const subscribers = await d
    .select({ userId: notificationPreferences.userId })
    .from(notificationPreferences)
    .innerJoin(users, eq(users.id, notificationPreferences.userId))
    .where(
      and(
        eq(notificationPreferences.event, "digest.daily"),
        eq(notificationPreferences.channel, "email"),
        eq(notificationPreferences.enabled, 1),
        isNull(users.disabledAt),
      ),
    );
  if (subscribers.length === 0) return 0;
  const active = await d
    .selectDistinct({ userId: submissions.userId })
    .from(submissions)
    .where(
      and(
        inArray(
          submissions.userId,
          subscribers.map((s) => s.userId),
        ),
        eq(submissions.status, "completed"),
        gte(submissions.completedAt, start),
        lt(submissions.completedAt, end),
      ),
    );
  let queued = 0;
  for (const { userId } of active) {
    if (!userId) continue;
    const pending = await fanOut(env, {
      event: "digest.daily",
      subject: { kind: "digest", userId, day },
      correlationId: `digest-${day}`,
      log,
    });
    await enqueueDeliveries(env, pending, `digest-${day}`);
    queued += pending.length;
  }
  log.info("daily digest queued", { day, subscribers: subscribers.length, queued });
  return queued;
}
