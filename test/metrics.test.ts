import { env, exports } from "cloudflare:workers";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it, vi } from "vitest";
import { apiKeyFor, BASE, postSubmission, waitForStatus } from "./helpers/api";

interface Family {
  name: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}

describe("GET /metrics", () => {
  it("serves Prometheus text that a real parser reads, with jobs, steps and notifications", async () => {
    const { id } = await (await postSubmission({ text: "Count me in the metrics. Please." })).json<{ id: string }>();
    await waitForStatus(id, ["completed"]);
    const key = await apiKeyFor("ops@example.com", { role: "admin", scopes: ["admin:read"] });
    const res = await exports.default.fetch(`${BASE}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(await res.text()) as Family[];
    const get = (name: string) => families.find((f) => f.name === name);
    expect(get("statex_submissions")?.metrics).toContainEqual({ value: "1", labels: { status: "completed" } });
    expect(get("statex_steps_last_24h")?.metrics).toContainEqual({
      value: "1",
      labels: { step: "analyse", status: "done" },
    });
    expect(get("statex_notifications")?.metrics).toContainEqual({
      value: "1",
      labels: { channel: "email", status: "sent" },
    });
    expect(Number(get("statex_step_duration_avg_seconds")?.metrics[0]?.value)).toBeGreaterThanOrEqual(0);
    expect(get("statex_users")?.type).toBe("GAUGE");
    expect(get("statex_provider_calls_last_24h")?.metrics).toContainEqual({
      value: "1",
      labels: { provider: "local", operation: "analyse", outcome: "ok" },
    });
  });

  it("is for admins only", async () => {
    const anonymous = await exports.default.fetch(`${BASE}/metrics`);
    expect(anonymous.status).toBe(401);
    const user = await apiKeyFor("curious@example.com", { scopes: ["admin:read"] });
    const res = await exports.default.fetch(`${BASE}/metrics`, { headers: { authorization: `Bearer ${user}` } });
    expect(res.status).toBe(404);
  });
});

describe("GET /readyz", () => {
  it("reports D1, R2, queues and the active providers", async () => {
    const res = await exports.default.fetch(`${BASE}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      ok: true,
      checks: { d1: { ok: true }, r2: { ok: true } },
      queues: { jobs: true, notifications: true, webhooks: true },
      aiProvider: env.AI_PROVIDER,
      searchBackend: "d1",
    });
  });
});

describe("the request log line", () => {
  const requestLines = (spy: { mock: { calls: unknown[][] } }) =>
    spy.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('"msg":"request"'));

  it("is written for 5xx and slow requests only by default, for every request with REQUEST_LOG=all", async () => {
    const spy = vi.spyOn(console, "log");
    try {
      expect(env.REQUEST_LOG).toBe("errors");
      await exports.default.fetch(`${BASE}/healthz`);
      await exports.default.fetch(`${BASE}/v1/submissions`);
      expect(requestLines(spy)).toEqual([]);

      (env as { REQUEST_LOG: string }).REQUEST_LOG = "all";
      const res = await exports.default.fetch(`${BASE}/v1/submissions`, { headers: { "x-request-id": "logged-1" } });
      expect(res.status).toBe(401);
      const [line] = requestLines(spy);
      expect(JSON.parse(line ?? "{}")).toMatchObject({
        msg: "request",
        correlationId: "logged-1",
        method: "GET",
        route: "/v1/submissions",
        status: 401,
      });
    } finally {
      (env as { REQUEST_LOG: string }).REQUEST_LOG = "errors";
      spy.mockRestore();
    }
  });
});
