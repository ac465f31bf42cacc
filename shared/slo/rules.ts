/**
 * The alert rules: each reads the rollup or D1 at a given `now` and returns the conditions that
 * hold, one per rule instance (its `key`). A rule instance that does not hold is simply absent,
 * so the caller resolves whatever is firing and no longer listed. The clock is the caller's, so
 * the tests drive every rule with synthetic rows and a moved `now`.
 */

import { type Counts, figure, sloCounts } from "./compute";
import {
  BURN_MIN_EVENTS,
  BURN_RATE_ALERTS,
  CHANNEL_MIN_DELIVERIES,
  CHANNEL_MIN_RATE,
  CHANNEL_WINDOW_MS,
  DLQ_FOR_MS,
  DLQ_LOOKBACK_MS,
  PROVIDER_DOWN_MS,
  PROVIDER_MIN_CALLS,
  SLOS,
  type SloId,
} from "./config";
import { deadLetters } from "./dead-letters";

export type AlertRule = "burn_rate" | "dlq" | "provider_down" | "channel_delivery";

/** A condition that holds now. */
export interface Condition {
  key: string;
  rule: AlertRule;
  severity: "page" | "ticket";
  summary: string;
}

const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;
const round = (v: number) => Math.round(v * 10) / 10;

/** Multi-window burn rate per SLO: both windows of a pair at or above its rate. */
export async function burnRateConditions(env: Env, now: number): Promise<Condition[]> {
  const spans = [...new Set(BURN_RATE_ALERTS.flatMap((a) => [a.longMs, a.shortMs]))];
  const counted = new Map<number, Record<SloId, Counts>>();
  await Promise.all(spans.map(async (ms) => counted.set(ms, await sloCounts(env, ms, now))));
  const out: Condition[] = [];
  for (const slo of SLOS)
    for (const a of BURN_RATE_ALERTS) {
      const long = figure(slo, counted.get(a.longMs)?.[slo.id] ?? { good: 0, total: 0 });
      const short = figure(slo, counted.get(a.shortMs)?.[slo.id] ?? { good: 0, total: 0 });
      if (long.total < BURN_MIN_EVENTS || long.burnRate < a.burnRate || short.burnRate < a.burnRate) continue;
      out.push({
        key: `burn:${slo.id}:${a.id}`,
        rule: "burn_rate",
        severity: a.severity,
        summary: `${slo.name}: error budget burning ${round(long.burnRate)}× over ${a.longMs / 60_000} min and ${round(short.burnRate)}× over ${a.shortMs / 60_000} min (alert at ${a.burnRate}×; ${long.total - long.good} bad of ${long.total})`,
      });
    }
  return out;
}

/** A dead letter unhandled for `DLQ_FOR_MS` (recorded within the lookback). */
export async function deadLetterConditions(env: Env, now: number): Promise<Condition[]> {
  const held = (await deadLetters(env.DB, now - DLQ_LOOKBACK_MS, now - DLQ_FOR_MS)).filter((d) => d.count > 0);
  if (held.length === 0) return [];
  return [
    {
      key: "dlq",
      rule: "dlq",
      severity: "page",
      summary: `Dead letters unhandled for over ${DLQ_FOR_MS / 60_000} minutes: ${held.map((d) => `${d.count} ${d.queue}`).join(", ")}`,
    },
  ];
}

/** A provider whose every call in the last `PROVIDER_DOWN_MS` failed. */
export async function providerConditions(env: Env, now: number): Promise<Condition[]> {
  const { results } = await env.DB.prepare(
    `SELECT provider, COUNT(*) AS n, SUM(ok) AS ok FROM ai_usage
     WHERE created_at >= ? AND created_at < ? GROUP BY provider`,
  )
    .bind(now - PROVIDER_DOWN_MS, now + 1)
    .all<{ provider: string; n: number; ok: number | null }>();
  return results
    .filter((r) => Number(r.n) >= PROVIDER_MIN_CALLS && Number(r.ok ?? 0) === 0)
    .map((r) => ({
      key: `provider:${r.provider.slice(0, 60)}`,
      rule: "provider_down" as const,
      severity: "page" as const,
      summary: `AI provider ${r.provider.slice(0, 60)} failed all ${r.n} calls in the last ${PROVIDER_DOWN_MS / 60_000} minutes`,
    }));
}

/** A channel delivering under `CHANNEL_MIN_RATE` of its finished deliveries in the last hour. */
export async function channelConditions(env: Env, now: number): Promise<Condition[]> {
  const { results } = await env.DB.prepare(
    `SELECT channel, COUNT(*) AS total, SUM(status IN ('sent', 'delivered')) AS good FROM notifications
     WHERE status IN ('sent', 'delivered', 'failed') AND updated_at >= ? AND updated_at < ? GROUP BY channel`,
  )
    .bind(now - CHANNEL_WINDOW_MS, now + 1)
    .all<{ channel: string; total: number; good: number | null }>();
  return results
    .filter(
      (r) => Number(r.total) >= CHANNEL_MIN_DELIVERIES && Number(r.good ?? 0) / Number(r.total) < CHANNEL_MIN_RATE,
    )
    .map((r) => ({
      key: `channel:${r.channel}`,
      rule: "channel_delivery" as const,
      severity: "ticket" as const,
      summary: `${r.channel} delivered ${pct(Number(r.good ?? 0) / Number(r.total))} of ${r.total} notifications in the last hour (alert under ${pct(CHANNEL_MIN_RATE)})`,
    }));
}

/** Every condition that holds at `now`. */
export async function holdingConditions(env: Env, now: number): Promise<Condition[]> {
  const lists = await Promise.all([
    burnRateConditions(env, now),
    deadLetterConditions(env, now),
    providerConditions(env, now),
    channelConditions(env, now),
  ]);
  return lists.flat();
}
