/**
 * The daily digests (hourly cron): finds the subscribers for whom it is 07:00 locally and fans
 * out one digest email each, through the same engine as every other notification — the
 * owner's results of their previous day (`digest.daily`), and for staff the requests that
 * arrived that day (`staff.digest`).
 */
import { and, eq, inArray, isNull } from "drizzle-orm";
import { db } from "../db/client";
import { notificationPreferences, ROLES, type Role, users } from "../db/schema";
import { createLogger, type Logger } from "../log";
import { enqueueDeliveries, fanOut } from "./deliver";
import { arrivedOn, completedOn } from "./digest-vars";
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
  const log = createLogger({ correlationId: `digest-${now}`, component: "digest" });
  let queued = 0;
  for (const digest of DIGESTS) queued += await runDigest(env, digest, now, log);
  return queued;
}

/** One kind of daily digest: its event, who may have it, and whether a day has anything to list. */
interface Digest {
  event: "digest.daily" | "staff.digest";
  roles: readonly Role[];
  hasItems: (env: Env, userId: string, day: string, zone: string) => Promise<boolean>;
}

const DIGESTS: readonly Digest[] = [
  // The owner's requests completed on their previous local day.
  {
    event: "digest.daily",
    roles: ROLES,
    hasItems: async (env, userId, day, zone) => (await completedOn(env, userId, day, zone, 1)).length > 0,
  },
  // For staff: every request that arrived on their previous local day (the desk's day in review).
  {
    event: "staff.digest",
    roles: ["staff", "admin"],
    hasItems: async (env, _userId, day, zone) => (await arrivedOn(env, day, zone, 1)).length > 0,
  },
];

async function runDigest(env: Env, digest: Digest, now: number, log: Logger): Promise<number> {
  const subscribers = await db(env.DB)
    .select({ userId: notificationPreferences.userId, zone: users.timeZone })
    .from(notificationPreferences)
    .innerJoin(users, eq(users.id, notificationPreferences.userId))
    .where(
      and(
        eq(notificationPreferences.event, digest.event),
        eq(notificationPreferences.channel, "email"),
        eq(notificationPreferences.enabled, 1),
        inArray(users.role, [...digest.roles]),
        isNull(users.disabledAt),
      ),
    );
  const due = subscribers.filter((s) => wallClock(s.zone, now).hour === DIGEST_HOUR);
  let queued = 0;
  for (const { userId, zone } of due) {
    const day = localYesterday(zone, now);
    if (!(await digest.hasItems(env, userId, day, zone))) continue;
    const pending = await fanOut(env, {
      event: digest.event,
      subject: { kind: "digest", userId, day },
      correlationId: `digest-${day}`,
      log,
    });
    await enqueueDeliveries(env, pending, `digest-${day}`);
    queued += pending.length;
  }
  log.info("daily digest queued", { event: digest.event, subscribers: subscribers.length, due: due.length, queued });
  return queued;
}
