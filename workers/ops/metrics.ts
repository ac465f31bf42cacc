/**
 * What the operational endpoints answer: `/metrics` in the Prometheus text format (counts from
 * D1 here; requests, job durations, queues and SLOs in slo-metrics.ts; mail in mail-metrics.ts)
 * and `/readyz` (D1 and R2 reachable, queues bound). app.ts mounts both.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { renderMailMetrics } from "./mail-metrics";
import { family, sample } from "./prom";
import { renderSloMetrics } from "./slo-metrics";

/**
 * Metrics in the Prometheus text format, derived from D1 (the source of truth; Analytics
 * Engine carries per-request data points when bound, for Cloudflare's own dashboards).
 */
export async function renderMetrics(env: Env, now = Date.now()): Promise<string> {
  const dayAgo = now - 24 * 3600_000;
  const [[subs, steps, notes, hooks, usersRow, usage], slo, mail] = await Promise.all([
    env.DB.batch<Record<string, number | string | null>>([
      env.DB.prepare("SELECT status, COUNT(*) AS n FROM submissions GROUP BY status"),
      env.DB.prepare(
        `SELECT name, status, COUNT(*) AS n, AVG(finished_at - started_at) AS avg_ms, MAX(finished_at - started_at) AS max_ms,
              SUM(attempts) AS attempts
       FROM submission_steps WHERE started_at >= ? GROUP BY name, status`,
      ).bind(dayAgo),
      env.DB.prepare("SELECT channel, status, COUNT(*) AS n FROM notifications GROUP BY channel, status"),
      env.DB.prepare("SELECT status, COUNT(*) AS n FROM webhook_deliveries GROUP BY status"),
      env.DB.prepare("SELECT COUNT(*) AS n, SUM(disabled_at IS NULL) AS active FROM users"),
      env.DB.prepare(
        `SELECT provider, operation, ok, COUNT(*) AS n, AVG(latency_ms) AS avg_ms,
              SUM(COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0)) AS tokens
       FROM ai_usage WHERE created_at >= ? GROUP BY provider, operation, ok`,
      ).bind(dayAgo),
    ]),
    renderSloMetrics(env, now),
    renderMailMetrics(env, now),
  ]);
  const rows = (r: { results: Record<string, number | string | null>[] } | undefined) => r?.results ?? [];
  const num = (v: unknown) => Number(v ?? 0);
  const u = rows(usersRow)[0] ?? {};
  const usageLabels = (r: Record<string, unknown>) => ({
    provider: String(r.provider),
    operation: String(r.operation),
    outcome: Number(r.ok) ? "ok" : "error",
  });
  return `${[
    family(
      "statex_submissions",
      "gauge",
      "Submissions by current status.",
      rows(subs).map((r) => sample("statex_submissions", { status: String(r.status) }, num(r.n))),
    ),
    family(
      "statex_steps_last_24h",
      "gauge",
      "Pipeline steps started in the last 24 hours, by step and status.",
      rows(steps).map((r) =>
        sample("statex_steps_last_24h", { step: String(r.name), status: String(r.status) }, num(r.n)),
      ),
    ),
    family(
      "statex_step_duration_avg_seconds",
      "gauge",
      "Mean duration of finished steps in the last 24 hours.",
      rows(steps)
        .filter((r) => r.avg_ms !== null)
        .map((r) =>
          sample(
            "statex_step_duration_avg_seconds",
            { step: String(r.name), status: String(r.status) },
            num(r.avg_ms) / 1000,
          ),
        ),
    ),
    family(
      "statex_step_duration_max_seconds",
      "gauge",
      "Longest finished step in the last 24 hours.",
      rows(steps)
        .filter((r) => r.max_ms !== null)
        .map((r) =>
          sample(
            "statex_step_duration_max_seconds",
            { step: String(r.name), status: String(r.status) },
            num(r.max_ms) / 1000,
          ),
        ),
    ),
    family(
      "statex_step_attempts_last_24h",
      "gauge",
      "Attempts spent on steps started in the last 24 hours (retries show as attempts above steps).",
      rows(steps).map((r) =>
        sample("statex_step_attempts_last_24h", { step: String(r.name), status: String(r.status) }, num(r.attempts)),
      ),
    ),
    family(
      "statex_notifications",
      "gauge",
      "Notifications by channel and delivery status.",
      rows(notes).map((r) =>
        sample("statex_notifications", { channel: String(r.channel), status: String(r.status) }, num(r.n)),
      ),
    ),
    family(
      "statex_webhook_deliveries",
      "gauge",
      "Webhook deliveries by status.",
      rows(hooks).map((r) => sample("statex_webhook_deliveries", { status: String(r.status) }, num(r.n))),
    ),
    family(
      "statex_provider_calls_last_24h",
      "gauge",
      "AI provider calls in the last 24 hours, by provider, operation and outcome.",
      rows(usage).map((r) => sample("statex_provider_calls_last_24h", usageLabels(r), num(r.n))),
    ),
    family(
      "statex_provider_latency_avg_seconds",
      "gauge",
      "Mean latency of AI provider calls in the last 24 hours.",
      rows(usage).map((r) => sample("statex_provider_latency_avg_seconds", usageLabels(r), num(r.avg_ms) / 1000)),
    ),
    family(
      "statex_provider_tokens_last_24h",
      "gauge",
      "Tokens in and out of AI providers in the last 24 hours, by outcome (one series per group row).",
      rows(usage).map((r) => sample("statex_provider_tokens_last_24h", usageLabels(r), num(r.tokens))),
    ),
    family("statex_users", "gauge", "Accounts, and how many are not disabled.", [
      sample("statex_users", { state: "all" }, num(u.n)),
      sample("statex_users", { state: "active" }, num(u.active)),
    ]),
    slo,
    mail,
  ].join("\n\n")}\n`;
}

/** Readiness: D1 and R2 answer; which AI provider and search backend are switched on. */
export async function readiness(c: Context<AppEnv>): Promise<Response> {
  const checks: Record<string, { ok: boolean; error?: string }> = {};
  const check = async (name: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      checks[name] = { ok: true };
    } catch (error) {
      checks[name] = { ok: false, error: error instanceof Error ? error.message.slice(0, 200) : "failed" };
    }
  };
  await Promise.all([
    check("d1", () => c.env.DB.prepare("SELECT 1").first()),
    check("r2", () => c.env.FILES.head("readyz-probe")),
  ]);
  const queues = {
    jobs: Boolean(c.env.JOBS),
    notifications: Boolean(c.env.NOTIFICATIONS),
    webhooks: Boolean(c.env.WEBHOOKS),
  };
  const ok = Object.values(checks).every((x) => x.ok) && Object.values(queues).every(Boolean);
  return c.json(
    {
      ok,
      environment: c.env.ENVIRONMENT,
      checks,
      queues,
      aiProvider: c.env.AI_PROVIDER || "local",
      searchBackend: (c.env as { SEARCH_BACKEND?: string }).SEARCH_BACKEND || "d1",
    },
    ok ? 200 : 503,
  );
}
