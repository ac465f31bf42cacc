import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  jobsByOutcome,
  notificationDelivery,
  providerErrorRates,
  rangeOf,
  stepDurations,
} from "../workers/admin/dashboard/repo";
import { apiKeyFor, BASE } from "./helpers/api";
import { signedInAs } from "./helpers/session";

const HOUR = 3_600_000;
const NOW = Date.now();
const range = rangeOf(24, NOW);
let seq = 0;

/** A submission row straight into D1 (the dashboard reads D1 only). */
async function submission(status: string, completedAt: number | null): Promise<string> {
  const id = `sub_DASH${String(seq++).padStart(22, "0")}`;
  await env.DB.prepare(
    `INSERT INTO submissions (id, status, source, email, text_chars, input_key, correlation_id, created_at, updated_at, completed_at)
     VALUES (?, ?, 'api', 'dash@example.com', 1, 'inputs/x', 'c', ?, ?, ?)`,
  )
    .bind(id, status, (completedAt ?? NOW) - 1000, completedAt ?? NOW, completedAt)
    .run();
  return id;
}

async function step(submissionId: string, name: string, status: string, startedAt: number, ms: number) {
  await env.DB.prepare(
    "INSERT INTO submission_steps (submission_id, name, position, status, attempts, started_at, finished_at) VALUES (?, ?, 0, ?, 1, ?, ?)",
  )
    .bind(submissionId, name, status, startedAt, startedAt + ms)
    .run();
}

async function usage(provider: string, ok: boolean, at: number) {
  await env.DB.prepare(
    "INSERT INTO ai_usage (submission_id, step, operation, provider, latency_ms, ok, created_at) VALUES ('s', 'analyse', 'analyse', ?, 5, ?, ?)",
  )
    .bind(provider, ok ? 1 : 0, at)
    .run();
}

async function notification(submissionId: string, channel: string, status: string, at: number) {
  await env.DB.prepare(
    `INSERT INTO notifications (id, submission_id, event, channel, recipient, status, created_at, updated_at)
     VALUES (?, ?, 'submission.completed', ?, 'x', ?, ?, ?)`,
  )
    .bind(`${submissionId}:${channel}:${seq++}`, submissionId, channel, status, at, at)
    .run();
}

describe("dashboard figures from D1", () => {
  it("counts finished jobs per hour by outcome, inside the range only", async () => {
    const lastHour = range.to - HOUR + 60_000;
    await submission("completed", lastHour);
    await submission("completed", lastHour + 1000);
    await submission("failed", lastHour + 2000);
    await submission("cancelled", range.to - 3 * HOUR + 5);
    await submission("completed", range.from - 1); // before the range
    await submission("running", null); // not finished
    const { buckets, counts } = await jobsByOutcome(env.DB, range);
    expect(buckets).toHaveLength(24);
    expect(buckets[0]).toBe(range.from);
    expect(counts.completed.at(-1)).toBe(2);
    expect(counts.failed.at(-1)).toBe(1);
    expect(counts.cancelled.at(-3)).toBe(1);
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(total(counts.completed) + total(counts.failed) + total(counts.cancelled)).toBe(4);
  });

  it("computes nearest-rank p50 and p95 step durations per step, finished steps in range only", async () => {
    const start = range.to - 2 * HOUR;
    // 20 analyse steps of 10, 20, … 200 ms: p50 is the 10th (100 ms), p95 the 19th (190 ms).
    for (let i = 1; i <= 20; i++) await step(await submission("completed", start), "analyse", "done", start, i * 10);
    await step(await submission("completed", start), "compose", "done", start, 7);
    // Ignored: a failed step, and a step that finished before the range.
    await step(await submission("failed", start), "analyse", "failed", start, 99_999);
    await step(await submission("completed", start), "analyse", "done", range.from - 100_000, 50_000);
    const steps = await stepDurations(env.DB, range);
    expect(steps).toEqual([
      { step: "analyse", n: 20, p50Ms: 100, p95Ms: 190 },
      { step: "compose", n: 1, p50Ms: 7, p95Ms: 7 },
    ]);
  });

  it("derives the provider error rate from ai_usage", async () => {
    const at = range.to - HOUR;
    await usage("workers-ai", true, at);
    await usage("workers-ai", true, at);
    await usage("workers-ai", false, at);
    await usage("openai", true, at);
    await usage("openai", false, range.from - 1); // before the range
    expect(await providerErrorRates(env.DB, range)).toEqual([
      { provider: "openai", calls: 1, errors: 0, rate: 0 },
      { provider: "workers-ai", calls: 3, errors: 1, rate: 1 / 3 },
    ]);
  });

  it("derives notification delivery per channel: sent or delivered, failed, suppressed left out, else pending", async () => {
    const s = await submission("completed", range.to - HOUR);
    const at = range.to - HOUR;
    for (const status of ["sent", "sent", "delivered", "failed", "queued", "sending", "suppressed"])
      await notification(s, "email", status, at);
    await notification(s, "sms", "failed", at);
    await notification(s, "webhook", "queued", at);
    await notification(s, "email", "failed", range.from - 1); // before the range
    expect(await notificationDelivery(env.DB, range)).toEqual([
      { channel: "email", sent: 3, failed: 1, pending: 2, rate: 0.75 },
      { channel: "sms", sent: 0, failed: 1, pending: 0, rate: 0 },
      { channel: "webhook", sent: 0, failed: 0, pending: 1, rate: null },
    ]);
  });

  it("uses whole buckets: hourly to 3 days, then 6-hourly, then daily", () => {
    expect(rangeOf(24, NOW).bucketMs).toBe(HOUR);
    expect(rangeOf(168, NOW)).toMatchObject({ bucketMs: 6 * HOUR });
    const month = rangeOf(720, NOW);
    expect(month.bucketMs).toBe(24 * HOUR);
    expect((month.to - month.from) / month.bucketMs).toBe(30);
    expect(month.to).toBeGreaterThanOrEqual(NOW);
  });
});

describe("GET /v1/admin/dashboard", () => {
  it("serves the same figures as JSON to an admin key, and nobody else", async () => {
    const get = async (path: string, key?: string) =>
      exports.default.fetch(`${BASE}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    const admin = await apiKeyFor("dash-api@example.com", { role: "admin", scopes: ["admin:read"] });
    const res = await get("/v1/admin/dashboard?hours=72", admin);
    expect(res.status).toBe(200);
    const body = await res.json<{ jobs: { completed: number }[]; bucketSeconds: number; steps: { step: string }[] }>();
    expect(body.bucketSeconds).toBe(3600);
    expect(body.jobs).toHaveLength(72);
    // The earlier tests' rows in this file are in the window.
    expect(body.jobs.reduce((n, b) => n + b.completed, 0)).toBeGreaterThan(0);
    expect(body.steps.map((s) => s.step)).toContain("analyse");
    expect((await get("/v1/admin/dashboard?hours=5", admin)).status).toBe(422);
    expect((await get("/v1/admin/dashboard")).status).toBe(401);
    expect(
      (await get("/v1/admin/dashboard", await apiKeyFor("dash-unscoped@example.com", { role: "admin" }))).status,
    ).toBe(403);
    expect(
      (await get("/v1/admin/dashboard", await apiKeyFor("dash-plain@example.com", { scopes: ["admin:read"] }))).status,
    ).toBe(404);
  });
});

describe("the dashboard page", () => {
  it("renders four accessible SVG charts with tables, escaping hostile names", async () => {
    const start = range.to - HOUR;
    await step(await submission("completed", start), '<img src=x onerror="alert(1)">', "done", start, 42);
    const email = "dash-admin@example.com";
    const admin = await signedInAs(email, "admin");
    const res = await admin.get("/app/admin/dashboard?hours=nonsense");
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("style-src 'self'");
    const html = await res.text();
    // Four charts of the range, three of the SLOs (test/slo.test.ts reads those).
    expect(html.match(/<svg [^>]*role="img"/g)).toHaveLength(7);
    for (const id of ["chart-jobs", "chart-steps", "chart-providers", "chart-notifications", "chart-slo-burn"]) {
      expect(html).toContain(`aria-labelledby="${id}-title ${id}-desc"`);
      expect(html).toContain(`<desc id="${id}-desc">`);
    }
    expect(html).toContain('<option value="24" selected="">Last 24 hours</option>');
    expect(html).not.toContain('<img src=x onerror="alert(1)">');
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).not.toMatch(/<script(?! src=)/);
    expect(html).not.toMatch(/ style="/);
    // The nav links the dashboard for admins.
    expect(html).toContain('href="/app/admin/dashboard"');
    const week = await admin.page("/app/admin/dashboard?hours=168");
    expect(week).toContain("Jobs per 6 hours by outcome");
  });
});
