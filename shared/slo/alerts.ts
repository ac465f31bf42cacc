/**
 * Alert incidents: each evaluation (the 5-minute cron, workers/cron/dispatch.ts) compares the
 * conditions that hold (shared/slo/rules.ts) with the alerts firing in D1. A new condition
 * opens one alert row — the partial unique index on firing keys makes a concurrent run's
 * insert a no-op — and tells every admin once (`alert.firing`, on the channels each chose);
 * a condition still holding only moves `last_seen_at`; a firing alert whose condition is gone
 * is resolved by one conditional update and the admins get `alert.resolved`. Every step is a
 * row of the alert's timeline (`alert_events`). Delivery ids are deterministic per alert,
 * admin, event and channel, so a retried run tells nobody twice.
 */
import { and, desc, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import { db } from "../db/client";
import { type AlertRow, alertEvents, alerts, users } from "../db/schema";
import { ulid } from "../ids";
import { createLogger, type Logger } from "../log";
import { notifyEvent } from "../notifications/deliver";
import { type Condition, holdingConditions } from "./rules";

/** The most admins one alert is told to. */
export const MAX_ADMINS_TOLD = 50;

/** Tells every active, verified admin about `alert`; returns how many deliveries were queued. */
async function tellAdmins(env: Env, alert: AlertRow, event: "alert.firing" | "alert.resolved", log: Logger) {
  const admins = await db(env.DB)
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, "admin"), isNull(users.disabledAt), isNotNull(users.emailVerifiedAt)))
    .limit(MAX_ADMINS_TOLD);
  let queued = 0;
  for (const admin of admins) {
    try {
      const out = await notifyEvent(env, {
        event,
        subject: { kind: "alert", userId: admin.id, alertId: alert.id },
        correlationId: `alert-${alert.id}`,
        log,
      });
      queued += out.length;
    } catch (error) {
      log.error("could not tell an admin about an alert", { error, alertId: alert.id, event });
    }
  }
  return { admins: admins.length, queued };
}

async function timeline(
  env: Env,
  alertId: string,
  kind: "fired" | "notified" | "resolved",
  at: number,
  detail: string,
) {
  await db(env.DB).insert(alertEvents).values({ alertId, kind, at, detail });
}

async function open(env: Env, c: Condition, now: number, log: Logger): Promise<AlertRow | null> {
  const [row] = await db(env.DB)
    .insert(alerts)
    .values({
      id: `alr${ulid(now)}`,
      key: c.key,
      rule: c.rule,
      severity: c.severity,
      state: "firing",
      summary: c.summary.slice(0, 500),
      firedAt: now,
      lastSeenAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return null;
  await timeline(env, row.id, "fired", now, row.summary);
  const told = await tellAdmins(env, row, "alert.firing", log);
  await timeline(env, row.id, "notified", now, `alert.firing: ${told.queued} deliveries to ${told.admins} admins`);
  return row;
}

async function resolve(env: Env, alert: AlertRow, now: number, log: Logger): Promise<AlertRow | null> {
  const [row] = await db(env.DB)
    .update(alerts)
    .set({ state: "resolved", resolvedAt: now })
    .where(and(eq(alerts.id, alert.id), eq(alerts.state, "firing")))
    .returning();
  if (!row) return null;
  await timeline(env, row.id, "resolved", now, "the condition no longer holds");
  const told = await tellAdmins(env, row, "alert.resolved", log);
  await timeline(env, row.id, "notified", now, `alert.resolved: ${told.queued} deliveries to ${told.admins} admins`);
  return row;
}

/** One evaluation at `now`: the alerts opened and resolved (by key). */
export async function evaluateAlerts(
  env: Env,
  now: number,
  log?: Logger,
): Promise<{ fired: string[]; resolved: string[] }> {
  const logger = log ?? createLogger({ correlationId: `alerts-${now}`, component: "alerts" });
  const holding = await holdingConditions(env, now);
  const firing = await db(env.DB).select().from(alerts).where(eq(alerts.state, "firing"));
  const fired: string[] = [];
  const resolved: string[] = [];
  const held = new Set(holding.map((c) => c.key));
  for (const c of holding) {
    if (firing.some((a) => a.key === c.key)) continue;
    if (await open(env, c, now, logger)) fired.push(c.key);
  }
  const still = firing.filter((a) => held.has(a.key)).map((a) => a.id);
  if (still.length > 0)
    await db(env.DB)
      .update(alerts)
      .set({ lastSeenAt: now })
      .where(inArray(alerts.id, still.slice(0, 90)));
  for (const a of firing) {
    if (held.has(a.key)) continue;
    if (await resolve(env, a, now, logger)) resolved.push(a.key);
  }
  if (fired.length || resolved.length) logger.warn("alerts changed", { fired, resolved });
  return { fired, resolved };
}

/** The newest alerts, firing first, for the admin page. */
export async function listAlerts(env: Env, limit = 100): Promise<AlertRow[]> {
  return db(env.DB)
    .select()
    .from(alerts)
    .orderBy(desc(eq(alerts.state, "firing")), desc(alerts.firedAt))
    .limit(limit);
}

/** One alert's timeline, oldest first. */
export async function alertTimeline(env: Env, alertIds: string[]) {
  if (alertIds.length === 0) return [];
  return db(env.DB)
    .select()
    .from(alertEvents)
    .where(inArray(alertEvents.alertId, alertIds.slice(0, 90)))
    .orderBy(alertEvents.at, alertEvents.id);
}
