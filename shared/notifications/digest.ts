/**
 * The daily digest run (hourly cron): finds the subscribers for whom it is 07:00 locally and
 * fans out one digest email each, through the same engine as every other notification.
 */
import { and, eq, isNull } from "drizzle-orm";
import { db } from "../db/client";
import { notificationPreferences, users } from "../db/schema";
import { createLogger } from "../log";
import { enqueueDeliveries, fanOut } from "./deliver";
import { completedOn } from "./digest-vars";
import { localYesterday, wallClock } from "./zoned";

/** The local hour at which each subscriber's digest goes out. */
export const DIGEST_HOUR = 7;

/**
 * The daily digest (cron, every hour): every user who switched `digest.daily` on, for whom it
 * is now 07:00–07:59 in their own time zone (the profile's; UTC by default), and who had
 * requests completed on their previous local day gets one email listing them. The delivery id
 * `digest_<local day>_<user>:digest.daily:email` makes a re-run of the same day send nothing
 * new; suppression and preferences apply as to every other notification. Returns the
 * deliveries queued.
 */
export async function runDailyDigest(env: Env, now = Date.now()): Promise<number> {
  const d = db(env.DB);
  const log = createLogger({ correlationId: `digest-${now}`, component: "digest" });
  const subscribers = await d
    .select({ userId: notificationPreferences.userId, zone: users.timeZone })
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
  const due = subscribers.filter((s) => wallClock(s.zone, now).hour === DIGEST_HOUR);
  let queued = 0;
  for (const { userId, zone } of due) {
    const day = localYesterday(zone, now);
    if ((await completedOn(env, userId, day, zone, 1)).length === 0) continue;
    const pending = await fanOut(env, {
      event: "digest.daily",
      subject: { kind: "digest", userId, day },
      correlationId: `digest-${day}`,
      log,
    });
    await enqueueDeliveries(env, pending, `digest-${day}`);
    queued += pending.length;
  }
  log.info("daily digest queued", { subscribers: subscribers.length, due: due.length, queued });
  return queued;
}
