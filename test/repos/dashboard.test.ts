/**
 * The dashboard's query functions (workers/admin/dashboard/repo.ts) against the local D1, beside
 * the figures test/dashboard.test.ts checks: the window's edges (from inclusive, to
 * exclusive), empty windows, rows each query must leave out, and `dashboardData` as the sum of
 * its parts. Each test reads days of its own in 2001, so rows of the others never fall inside.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  dashboardData,
  jobsByOutcome,
  notificationDelivery,
  providerErrorRates,
  rangeOf,
  stepDurations,
} from "../../workers/admin/dashboard/repo";
import { notificationRow, submissionRow } from "../helpers/rows";

const HOUR = 3_600_000;

/** The 24-hour window ending on day `n` of 2001 (hourly buckets). */
const windowOn = (n: number) => rangeOf(24, Date.UTC(2001, 0, n));

const step = (submissionId: string, name: string, status: string, startedAt: number | null, finishedAt: number) =>
  env.DB.prepare(
    "INSERT INTO submission_steps (submission_id, name, position, status, attempts, started_at, finished_at) VALUES (?, ?, 0, ?, 1, ?, ?)",
  )
    .bind(submissionId, name, status, startedAt, finishedAt)
    .run();

const usage = (provider: string, ok: boolean, at: number) =>
  env.DB.prepare(
    "INSERT INTO ai_usage (submission_id, step, operation, provider, latency_ms, ok, created_at) VALUES ('s', 'analyse', 'analyse', ?, 5, ?, ?)",
  )
    .bind(provider, ok ? 1 : 0, at)
    .run();

describe("rangeOf", () => {
  it("ends on a whole bucket at or after now, and switches bucket width after 3 and 7 days", () => {
    const now = Date.UTC(2001, 0, 10, 13, 17);
    expect(rangeOf(72, now).bucketMs).toBe(HOUR);
    expect(rangeOf(73, now).bucketMs).toBe(6 * HOUR);
    expect(rangeOf(169, now).bucketMs).toBe(24 * HOUR);
    for (const hours of [6, 24, 72, 168, 720]) {
      const r = rangeOf(hours, now);
      expect(r.to % r.bucketMs).toBe(0);
      expect(r.to).toBeGreaterThanOrEqual(now);
      expect(r.to - now).toBeLessThan(r.bucketMs);
      expect((r.to - r.from) / r.bucketMs).toBe(Math.ceil((hours * HOUR) / r.bucketMs));
    }
  });
});

describe("jobsByOutcome", () => {
  it("counts a job finished at `from` in the first bucket and one finished at `to` nowhere", async () => {
    const r = windowOn(2);
    await submissionRow({ status: "completed", completedAt: r.from });
    await submissionRow({ status: "failed", completedAt: r.to - 1 });
    await submissionRow({ status: "completed", completedAt: r.to });
    await submissionRow({ status: "cancelled", completedAt: r.from - 1 });
    // Not finished, whatever its completed_at says.
    await submissionRow({ status: "running", completedAt: r.from + HOUR });
    const { buckets, counts } = await jobsByOutcome(env.DB, r);
    expect(buckets).toEqual(Array.from({ length: 24 }, (_, i) => r.from + i * HOUR));
    expect(counts.completed).toEqual([1, ...Array(23).fill(0)]);
    expect(counts.failed).toEqual([...Array(23).fill(0), 1]);
    expect(counts.cancelled).toEqual(Array(24).fill(0));
  });

  it("answers an empty window with a zero per bucket", async () => {
    const { buckets, counts } = await jobsByOutcome(env.DB, rangeOf(168, Date.UTC(2001, 1, 1)));
    expect(buckets).toHaveLength(28);
    expect(Object.values(counts).every((list) => list.length === 28 && list.every((n) => n === 0))).toBe(true);
  });
});

describe("stepDurations", () => {
  it("measures only finished steps with both times, finished inside the window", async () => {
    const r = windowOn(4);
    const s = await submissionRow({ status: "completed", completedAt: r.from + HOUR });
    const t = r.from + HOUR;
    await step(s, "gather", "done", t, t + 30);
    await step(s, "extract", "done", null, t + 30); // never started: no duration
    await step(s, "analyse", "failed", t, t + 500);
    await step(s, "compose", "done", r.to - 10, r.to); // finished at `to`: outside
    await step(s, "notify", "done", r.from - 10, r.from); // finished at `from`: inside
    expect(await stepDurations(env.DB, r)).toEqual([
      { step: "gather", n: 1, p50Ms: 30, p95Ms: 30 },
      { step: "notify", n: 1, p50Ms: 10, p95Ms: 10 },
    ]);
    expect(await stepDurations(env.DB, windowOn(20))).toEqual([]);
  });
});

describe("providerErrorRates", () => {
  it("counts calls from `from` up to but not including `to`", async () => {
    const r = windowOn(6);
    await usage("edge-provider", true, r.from);
    await usage("edge-provider", false, r.to - 1);
    await usage("edge-provider", false, r.to);
    expect(await providerErrorRates(env.DB, r)).toEqual([
      { provider: "edge-provider", calls: 2, errors: 1, rate: 0.5 },
    ]);
    expect(await providerErrorRates(env.DB, windowOn(22))).toEqual([]);
  });
});

describe("notificationDelivery", () => {
  it("has no rate for a channel whose deliveries were all suppressed, and keeps to the window", async () => {
    const r = windowOn(8);
    await notificationRow({ channel: "sms", status: "suppressed", createdAt: r.from });
    await notificationRow({ channel: "sms", status: "suppressed", createdAt: r.to - 1 });
    await notificationRow({ channel: "sms", status: "sent", createdAt: r.to });
    await notificationRow({ channel: "email", status: "delivered", createdAt: r.from - 1 });
    expect(await notificationDelivery(env.DB, r)).toEqual([
      { channel: "sms", sent: 0, failed: 0, pending: 0, rate: null },
    ]);
    expect(await notificationDelivery(env.DB, windowOn(24))).toEqual([]);
  });
});

describe("dashboardData", () => {
  it("is every chart's query over the same window, with the window", async () => {
    const r = windowOn(10);
    const s = await submissionRow({ status: "completed", completedAt: r.from + HOUR });
    await step(s, "analyse", "done", r.from + HOUR, r.from + HOUR + 40);
    await usage("edge-provider", true, r.from + HOUR);
    await notificationRow({ channel: "email", status: "sent", createdAt: r.from + HOUR });
    const data = await dashboardData(env.DB, r);
    expect(data).toEqual({
      range: r,
      jobs: await jobsByOutcome(env.DB, r),
      steps: await stepDurations(env.DB, r),
      providers: await providerErrorRates(env.DB, r),
      notifications: await notificationDelivery(env.DB, r),
    });
    expect(data.jobs.counts.completed[1]).toBe(1);
    expect(data.steps).toEqual([{ step: "analyse", n: 1, p50Ms: 40, p95Ms: 40 }]);
    expect(data.providers).toEqual([{ provider: "edge-provider", calls: 1, errors: 0, rate: 0 }]);
    expect(data.notifications).toEqual([{ channel: "email", sent: 1, failed: 0, pending: 0, rate: 1 }]);
  });
});
