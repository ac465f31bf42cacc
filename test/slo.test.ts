import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { figure, httpCounts, sloReport } from "../shared/slo/compute";
import { LATENCY_BUCKETS_S, SLOS } from "../shared/slo/config";
import { notificationRow, submissionRow } from "./helpers/rows";
import { signedInAs } from "./helpers/session";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe("SLO arithmetic", () => {
  it("turns good and total into value, burn rate and budget left", () => {
    expect(figure({ target: 0.999 }, { good: 9995, total: 10_000 })).toMatchObject({ value: 0.9995 });
    const half = figure({ target: 0.999 }, { good: 9995, total: 10_000 });
    expect(half.burnRate).toBeCloseTo(0.5, 9);
    expect(half.budgetLeft).toBeCloseTo(0.5, 9);
    const over = figure({ target: 0.99 }, { good: 90, total: 100 });
    expect(over.burnRate).toBeCloseTo(10, 9);
    expect(over.budgetLeft).toBeCloseTo(-9, 9);
    expect(figure({ target: 0.99 }, { good: 0, total: 0 })).toEqual({
      good: 0,
      total: 0,
      value: null,
      burnRate: 0,
      budgetLeft: 1,
    });
  });

  it("counts 5xx against availability and slow API answers against latency, at the 200 ms bound", () => {
    const b = (i: number, n: number) => LATENCY_BUCKETS_S.map((_, j) => (j === i ? n : 0));
    const at200 = LATENCY_BUCKETS_S.indexOf(0.2);
    const rows = [
      { route: "/v1/submissions", method: "POST", code: "2xx", count: 10, sumMs: 0, buckets: b(at200, 10) },
      { route: "/v1/submissions", method: "POST", code: "5xx", count: 2, sumMs: 0, buckets: b(at200 + 1, 2) },
      // Slow, but not the API: availability counts it, latency does not.
      { route: "/app/requests/:id", method: "GET", code: "2xx", count: 5, sumMs: 0, buckets: b(at200 + 3, 5) },
    ];
    expect(httpCounts(rows)).toEqual({ availability: { good: 15, total: 17 }, latency: { good: 10, total: 12 } });
  });
});

describe("the SLO report", () => {
  it("computes every SLO over 1 hour, 24 hours and 30 days from the rollup and D1", async () => {
    const now = Date.UTC(2033, 5, 1, 12, 0, 0);
    const stub = env.HTTP_METRICS.getByName("http-3");
    const point = (at: number, status: number, durationMs: number) => ({
      route: "/v1/submissions/:id",
      method: "GET",
      status,
      durationMs,
      at,
    });
    await stub.record(
      [
        ...Array.from({ length: 8 }, (_, i) => point(now - 10 * MIN - i * 1000, 200, 30)),
        point(now - 20 * MIN, 500, 30),
        point(now - 30 * MIN, 200, 450),
        // Yesterday: in the 24-hour window, not the hour's.
        point(now - 5 * HOUR, 500, 30),
        // Two weeks ago: the 30-day window only (read from hour rows).
        point(now - 14 * DAY, 500, 30),
      ],
      now,
    );
    const job = (status: "completed" | "failed", minutes: number, ago: number) =>
      submissionRow({ status, createdAt: now - ago - minutes * MIN, completedAt: now - ago });
    await job("completed", 2, 10 * MIN);
    await job("completed", 3, 15 * MIN);
    await job("completed", 7, 20 * MIN);
    await job("failed", 1, 25 * MIN);
    const held = await job("completed", 90, 30 * MIN);
    await env.DB.prepare("UPDATE submissions SET review_policy = 'review' WHERE id = ?").bind(held).run();
    for (const status of ["sent", "sent", "delivered", "failed", "suppressed"] as const)
      await notificationRow({ status, createdAt: now - 40 * MIN });

    const report = await sloReport(env, now);
    const at = (id: string, window: string) =>
      report.find((r) => r.slo.id === id)?.windows.find((w) => w.id === window)?.figure;
    expect(report.map((r) => r.slo.id)).toEqual(SLOS.map((s) => s.id));
    expect(at("availability", "1h")).toMatchObject({ good: 9, total: 10 });
    expect(at("availability", "24h")).toMatchObject({ good: 9, total: 11 });
    expect(at("availability", "30d")).toMatchObject({ good: 9, total: 12 });
    expect(at("latency", "1h")).toMatchObject({ good: 9, total: 10 });
    expect(at("errors", "1h")).toMatchObject({ good: 4, total: 5 });
    // The job held for review is not processing time; the 7-minute one is the bad event.
    expect(at("processing", "1h")).toMatchObject({ good: 2, total: 3 });
    // Suppressed deliveries are neither good nor bad.
    expect(at("delivery", "1h")).toMatchObject({ good: 3, total: 4 });
    expect(at("availability", "1h")?.burnRate).toBeCloseTo(100, 6);
  });

  it("is on the admin dashboard: value, target, budget left and burn rate, each a chart with its table", async () => {
    const admin = await signedInAs("slo-admin@example.com", "admin");
    const html = await admin.page("/app/admin/dashboard");
    for (const id of ["chart-slo-bad", "chart-slo-budget", "chart-slo-burn"]) {
      expect(html).toContain(`aria-labelledby="${id}-title ${id}-desc"`);
    }
    expect(html).toContain('<tr id="slo-availability"><th scope="row">Availability</th>');
    expect(html).toContain("<td>99.9%</td>");
    expect(html).toContain('href="/app/admin/alerts"');
    for (const caption of ["SLO values", "Error budget left", "Burn rate"]) expect(html).toContain(caption);
  });
});
