import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { UserRow } from "../shared/db/schema";
import { markDeadLettered } from "../shared/notifications/delivery-log";
import { evaluateAlerts } from "../shared/slo/alerts";
import { DEAD_JOB_ERROR, DEAD_NOTIFICATION_ERROR, deadLetters } from "../shared/slo/dead-letters";
import { consumeDeadJobs } from "../workers/queues/jobs";
import { newestSentMailTo } from "./helpers/mail";
import { notificationRow, submissionRow, userRow } from "./helpers/rows";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
// Each rule gets its own stretch of synthetic time, days apart, so their rows never overlap.
const T0 = Date.UTC(2032, 2, 1, 12, 0, 0);

let admin: UserRow;
let staff: UserRow;
beforeAll(async () => {
  admin = await userRow("admin", "alert-admin");
  staff = await userRow("staff", "alert-staff");
});

/** Alert deliveries (rows of the delivery log) written for `userId`, per event. */
async function alertDeliveries(userId: string, event: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT id FROM notifications WHERE user_id = ? AND event = ? ORDER BY id")
    .bind(userId, event)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

async function alertRows(key: string) {
  const { results } = await env.DB.prepare("SELECT * FROM alerts WHERE key = ? ORDER BY fired_at")
    .bind(key)
    .all<{ id: string; state: string; fired_at: number; resolved_at: number | null; summary: string }>();
  return results;
}

describe("the burn-rate rule", () => {
  it("fires fast and slow on a burst of 5xx, once each, and resolves each as its short window clears", async () => {
    const t = T0;
    const points = Array.from({ length: 100 }, (_, i) => ({
      route: "/healthz",
      method: "GET",
      status: i % 2 ? 503 : 200,
      durationMs: 5,
      at: t - 4 * MIN + i * 1000,
    }));
    await env.HTTP_METRICS.getByName("http-0").record(points, t);

    const first = await evaluateAlerts(env, t);
    expect(first.fired).toEqual(expect.arrayContaining(["burn:availability:fast", "burn:availability:slow"]));
    const [alert] = await alertRows("burn:availability:fast");
    expect(alert?.state).toBe("firing");
    expect(alert?.summary).toMatch(/Availability: error budget burning 500× over 60 min/);
    const firingNotices = await alertDeliveries(admin.id, "alert.firing");
    expect(firingNotices.some((id) => id.startsWith(`alert_${alert?.id}_${admin.id}:alert.firing:`))).toBe(true);

    // Still burning five minutes on: nothing new fires, nobody is told again.
    const again = await evaluateAlerts(env, t + MIN);
    expect(again.fired).toEqual([]);
    expect(await alertDeliveries(admin.id, "alert.firing")).toEqual(firingNotices);
    expect(await alertRows("burn:availability:fast")).toHaveLength(1);

    // Ten minutes on the 5-minute window is clean: the fast alert resolves, the slow one holds.
    const later = await evaluateAlerts(env, t + 10 * MIN);
    expect(later.resolved).toContain("burn:availability:fast");
    expect(later.resolved).not.toContain("burn:availability:slow");
    expect((await alertRows("burn:availability:fast"))[0]).toMatchObject({
      state: "resolved",
      resolved_at: t + 10 * MIN,
    });
    expect(await alertDeliveries(admin.id, "alert.resolved")).toHaveLength(1);

    const cleared = await evaluateAlerts(env, t + 40 * MIN);
    expect(cleared.resolved).toContain("burn:availability:slow");
    const { results: events } = await env.DB.prepare("SELECT kind FROM alert_events WHERE alert_id = ? ORDER BY id")
      .bind(alert?.id)
      .all<{ kind: string }>();
    expect(events.map((e) => e.kind)).toEqual(["fired", "notified", "resolved", "notified"]);
  });

  it("stays quiet below the minimum number of events", async () => {
    const t = T0 + 2 * DAY;
    await env.HTTP_METRICS.getByName("http-1").record(
      [1, 2, 3].map((i) => ({ route: "/healthz", method: "GET", status: 500, durationMs: 5, at: t - i * MIN })),
      t,
    );
    expect((await evaluateAlerts(env, t)).fired).toEqual([]);
  });

  it("tells admins on their channels and never staff", async () => {
    const t = T0 + 4 * DAY;
    const points = Array.from({ length: 20 }, (_, i) => ({
      route: "/v1/submissions",
      method: "POST",
      status: 201,
      durationMs: 900,
      at: t - 3 * MIN + i * 1000,
    }));
    await env.HTTP_METRICS.getByName("http-2").record(points, t);
    expect((await evaluateAlerts(env, t)).fired).toContain("burn:latency:fast");
    expect(await alertDeliveries(staff.id, "alert.firing")).toEqual([]);
    const mail = await vi.waitFor(() => newestSentMailTo(admin.email, "[StateX alert, page] API latency"), {
      timeout: 10_000,
      interval: 100,
    });
    expect(mail.text).toMatch(/API latency: error budget burning 100× over 60 min/);
    expect(mail.text).toContain("/app/admin/alerts");
    expect((await evaluateAlerts(env, t + HOUR)).resolved).toContain("burn:latency:fast");
  });
});

describe("the dead-letter rule", () => {
  it("counts what the DLQ consumers write", async () => {
    const id = await notificationRow({ status: "queued" });
    await markDeadLettered(env, id);
    const sub = await submissionRow({ status: "queued" });
    const ack = vi.fn();
    await consumeDeadJobs(
      {
        queue: "statex-jobs-dlq",
        messages: [{ body: { kind: "job.start", submissionId: sub, correlationId: "c" }, ack, retry: vi.fn() }],
      } as unknown as MessageBatch<unknown>,
      env,
    );
    expect(ack).toHaveBeenCalled();
    const now = Date.now();
    const dead = await deadLetters(env.DB, now - HOUR, now + MIN);
    expect(dead.find((d) => d.queue === "notifications")?.count).toBeGreaterThanOrEqual(1);
    expect(dead.find((d) => d.queue === "jobs")?.count).toBeGreaterThanOrEqual(1);
    const row = await env.DB.prepare("SELECT error FROM submissions WHERE id = ?").bind(sub).first<{ error: string }>();
    expect(row?.error).toBe(DEAD_JOB_ERROR);
    await env.DB.prepare("UPDATE notifications SET status = 'sent', error = NULL WHERE id = ?").bind(id).run();
  });

  it("fires once a dead letter has waited 10 minutes, holds while it waits, resolves when it is re-driven", async () => {
    const t = T0 + 6 * DAY;
    const id = await notificationRow({ status: "failed", createdAt: t - 3 * MIN });
    await env.DB.prepare("UPDATE notifications SET error = ? WHERE id = ?").bind(DEAD_NOTIFICATION_ERROR, id).run();

    expect((await evaluateAlerts(env, t)).fired).toEqual([]);
    expect((await evaluateAlerts(env, t + 8 * MIN)).fired).toEqual(["dlq"]);
    expect((await evaluateAlerts(env, t + 13 * MIN)).fired).toEqual([]);
    expect(await alertRows("dlq")).toHaveLength(1);

    await env.DB.prepare("UPDATE notifications SET status = 'queued', error = NULL WHERE id = ?").bind(id).run();
    expect((await evaluateAlerts(env, t + 18 * MIN)).resolved).toEqual(["dlq"]);
    expect((await alertRows("dlq"))[0]?.state).toBe("resolved");
  });
});

describe("the provider rule", () => {
  const usage = (provider: string, ok: boolean, at: number) =>
    env.DB.prepare(
      `INSERT INTO ai_usage (submission_id, step, operation, provider, latency_ms, ok, created_at)
       VALUES ('sub_x', 'analyse', 'analyse', ?, 10, ?, ?)`,
    )
      .bind(provider, ok ? 1 : 0, at)
      .run();

  it("fires when every call of a provider failed for 5 minutes, once, and resolves on a good call", async () => {
    const t = T0 + 8 * DAY;
    for (const m of [4, 3, 1]) await usage("workers-ai", false, t - m * MIN);
    await usage("local", true, t - 2 * MIN);
    const first = await evaluateAlerts(env, t);
    expect(first.fired).toEqual(["provider:workers-ai"]);
    expect((await alertRows("provider:workers-ai"))[0]?.summary).toBe(
      "AI provider workers-ai failed all 3 calls in the last 5 minutes",
    );
    await usage("workers-ai", false, t + 30_000);
    expect((await evaluateAlerts(env, t + MIN)).fired).toEqual([]);
    await usage("workers-ai", true, t + 2 * MIN);
    expect((await evaluateAlerts(env, t + 3 * MIN)).resolved).toEqual(["provider:workers-ai"]);
  });
});

describe("the channel rule", () => {
  it("fires when a channel delivers under 95 % for an hour, once, and resolves when the hour is clean", async () => {
    const t = T0 + 10 * DAY;
    for (let i = 0; i < 20; i++)
      await notificationRow({ channel: "sms", status: i < 3 ? "failed" : "sent", createdAt: t - 30 * MIN + i * MIN });
    const first = await evaluateAlerts(env, t);
    expect(first.fired).toContain("channel:sms");
    expect((await alertRows("channel:sms"))[0]?.summary).toMatch(/^sms delivered 85% of 20 notifications/);
    expect((await evaluateAlerts(env, t + 5 * MIN)).fired).toEqual([]);
    expect(await alertRows("channel:sms")).toHaveLength(1);
    const clean = await evaluateAlerts(env, t + 2 * HOUR);
    expect(clean.resolved).toContain("channel:sms");
    // A second incident later is a new alert row with its own notice.
    for (let i = 0; i < 10; i++)
      await notificationRow({ channel: "sms", status: i < 5 ? "failed" : "sent", createdAt: t + 3 * HOUR + i * MIN });
    expect((await evaluateAlerts(env, t + 3 * HOUR + 15 * MIN)).fired).toContain("channel:sms");
    expect(await alertRows("channel:sms")).toHaveLength(2);
    expect((await evaluateAlerts(env, t + 6 * HOUR)).resolved).toContain("channel:sms");
  });
});
