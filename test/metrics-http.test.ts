import { env, exports } from "cloudflare:workers";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { MAX_POINTS_PER_CALL } from "../durable-objects/http-metrics";
import { LATENCY_BUCKETS_S } from "../shared/slo/config";
import { readRollup } from "../shared/slo/http";
import { apiKeyFor, BASE, fetchSettled } from "./helpers/api";

interface Family {
  name: string;
  type: string;
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

async function scrape(): Promise<Family[]> {
  const key = await apiKeyFor("scraper@example.com", { role: "admin", scopes: ["admin:read"] });
  const res = await exports.default.fetch(`${BASE}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return parsePrometheusTextFormat(await res.text()) as Family[];
}

const total = (families: Family[], labels: Record<string, string>) =>
  Number(
    families
      .find((f) => f.name === "http_requests_total")
      ?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? 0,
  );

describe("every request is measured", () => {
  it("counts requests by route pattern, method and status class, never by raw path", async () => {
    const before = await scrape();
    const id = "sub_01JZZZZZZZZZZZZZZZZZZZZZZZ";
    for (let i = 0; i < 3; i++) await fetchSettled(`/v1/submissions/${id}-${i}`);
    await fetchSettled("/healthz");
    const after = await scrape();
    const labels = { route: "/v1/submissions/:id", method: "GET", code: "4xx" };
    expect(total(after, labels) - total(before, labels)).toBe(3);
    expect(total(after, { route: "/healthz", method: "GET", code: "2xx" })).toBeGreaterThanOrEqual(
      total(before, { route: "/healthz", method: "GET", code: "2xx" }) + 1,
    );
    const routes = after.find((f) => f.name === "http_requests_total")?.metrics.map((m) => m.labels?.route) ?? [];
    expect(routes.some((r) => r?.includes(id))).toBe(false);
    expect(after.find((f) => f.name === "http_requests_total")?.type).toBe("COUNTER");
  });

  it("folds any method a client invents into OTHER, so hostile methods add no series", async () => {
    // workerd refuses unknown tokens itself; the WebDAV methods it passes are still no label.
    for (const method of ["PROPFIND", "MKCOL", "LOCK"]) await fetchSettled("/healthz", { method });
    const families = await scrape();
    const methods = new Set(
      families.find((f) => f.name === "http_requests_total")?.metrics.map((m) => m.labels?.method) ?? [],
    );
    expect(methods.has("OTHER")).toBe(true);
    expect([...methods].filter((m) => ["PROPFIND", "MKCOL", "LOCK"].includes(m ?? ""))).toEqual([]);
  });

  it("serves the duration histogram with cumulative buckets, +Inf equal to the count, and a sum", async () => {
    await fetchSettled("/healthz");
    const key = await apiKeyFor("scraper@example.com", { role: "admin", scopes: ["admin:read"] });
    const text = await (
      await exports.default.fetch(`${BASE}/metrics`, { headers: { authorization: `Bearer ${key}` } })
    ).text();
    const name = "http_request_duration_seconds";
    expect((parsePrometheusTextFormat(text) as Family[]).find((f) => f.name === name)?.type).toBe("HISTOGRAM");
    // The parser folds a histogram's series into one when they carry labels (it supports
    // unlabelled histograms only), so its samples are read as plain `_bucket`/`_sum`/`_count` families.
    const plain = parsePrometheusTextFormat(
      text.replace(`# TYPE ${name} histogram`, `# TYPE ${name} untyped`),
    ) as Family[];
    const ours = (suffix: string) =>
      plain
        .filter((f) => f.name === `${name}${suffix}`)
        .flatMap((f) => f.metrics)
        .filter((m) => m.labels?.route === "/healthz" && m.labels?.method === "GET");
    const buckets = ours("_bucket");
    expect(buckets.map((b) => b.labels?.le)).toEqual([...LATENCY_BUCKETS_S.map(String), "+Inf"]);
    const counts = buckets.map((b) => Number(b.value));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    const count = Number(ours("_count")[0]?.value);
    expect(count).toBeGreaterThanOrEqual(1);
    expect(counts.at(-1)).toBe(count);
    expect(Number(ours("_sum")[0]?.value)).toBeGreaterThanOrEqual(0);
  });

  it("reads one window from every shard of the rollup", async () => {
    const now = Date.now();
    const start = await readRollup(env, now - 60_000, now + 60_000, now);
    const sum = (rows: typeof start) => rows.filter((r) => r.route === "/readyz").reduce((a, r) => a + r.count, 0);
    for (let i = 0; i < 8; i++) await fetchSettled("/readyz");
    const end = await readRollup(env, now - 60_000, Date.now() + 60_000, Date.now());
    expect(sum(end) - sum(start)).toBe(8);
  });
});

describe("the HttpMetrics object", () => {
  const at = Date.UTC(2031, 0, 10, 12, 0, 0);
  const point = (over: Partial<{ route: string; status: number; durationMs: number; at: number; method: string }>) => ({
    route: "/v1/things",
    method: "GET",
    status: 200,
    durationMs: 40,
    at,
    ...over,
  });

  it("keeps minutes, hours and lifetime totals apart, with the latency buckets", async () => {
    const stub = env.HTTP_METRICS.getByName("unit-rollup");
    await stub.record(
      [point({}), point({ durationMs: 150 }), point({ status: 503, durationMs: 900 }), point({ at: at + 60_000 })],
      at + 120_000,
    );
    const minute = await stub.aggregate(at, at + 60_000, at + 120_000);
    expect(minute.map((r) => [r.code, r.count]).sort()).toEqual([
      ["2xx", 2],
      ["5xx", 1],
    ]);
    const ok = minute.find((r) => r.code === "2xx");
    // 40 ms in le=0.05, 150 ms in le=0.2.
    expect(ok?.buckets[LATENCY_BUCKETS_S.indexOf(0.05)]).toBe(1);
    expect(ok?.buckets[LATENCY_BUCKETS_S.indexOf(0.2)]).toBe(1);
    expect(ok?.sumMs).toBe(190);
    const lifetime = await stub.aggregate(0, 0, at + 120_000);
    expect(lifetime.reduce((a, r) => a + r.count, 0)).toBe(4);
  });

  it("reads 30-day windows from hour rows and prunes minutes after two days", async () => {
    const stub = env.HTTP_METRICS.getByName("unit-prune");
    await stub.record([point({})], at);
    const later = at + 3 * 24 * 3_600_000;
    await stub.record([point({ at: later })], later + 2 * 3_600_000);
    const month = await stub.aggregate(later - 30 * 24 * 3_600_000, later + 1, later);
    expect(month.reduce((a, r) => a + r.count, 0)).toBe(2);
    // The old minute is gone: a minute-resolution read of its window finds nothing.
    const old = await stub.aggregate(at, at + 60_000, at + 60_000);
    expect(old).toEqual([]);
  });

  it(`takes at most ${MAX_POINTS_PER_CALL} points from one call`, async () => {
    const stub = env.HTTP_METRICS.getByName("unit-bounded");
    const many = Array.from({ length: MAX_POINTS_PER_CALL + 250 }, () => point({}));
    await stub.record(many, at);
    const rows = await stub.aggregate(0, 0, at);
    expect(rows.reduce((a, r) => a + r.count, 0)).toBe(MAX_POINTS_PER_CALL);
  });
});
