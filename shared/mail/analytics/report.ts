/**
 * Mail analytics read back: per UTC day and per address, what inbound mail became (from the
 * `mail_stats` counters, shared/db/mail-stats.ts), outbound mail sent and reported lost, and
 * the median times from a message's arrival to our acknowledgement and to its result (from the
 * messages' own rows). The admin page (workers/portal/admin/mail-analytics.tsx) and `/metrics`
 * (workers/ops/mail-metrics.ts) both read it here, in one D1 batch each.
 *
 * Bounds: counters are summed over at most `days` × addresses × (events + reasons) rows; the
 * medians are nearest-rank, computed in SQL over the newest `MAX_TIMED_MESSAGES` messages of
 * the window (window functions: no sample leaves D1). Times exist only while the messages' rows
 * do (`RETENTION_DAYS`, 30 by default), counters for as long as `mail_stats` keeps them.
 */
import { IGNORED_REASONS, OUTBOUND_ADDRESS, REFUSAL_REASONS, UNKNOWN_ADDRESS } from "../../db/schema";
import { dayOf, sqlDayOf } from "./count";

/** Ranges the page offers, in days. */
export const ANALYTICS_DAYS = [7, 30] as const;
export type AnalyticsDays = (typeof ANALYTICS_DAYS)[number];
/** Messages one median is computed over at most (the newest of the window). */
export const MAX_TIMED_MESSAGES = 20_000;
/** Addresses the per-address figures list at most (the busiest). */
export const MAX_ADDRESSES = 200;
/** Delivery-log events that carry a request's result to its customer. */
export const RESULT_EVENTS = ["submission.completed", "submission.failed"] as const;

const DAY_MS = 86_400_000;

/** What inbound mail became over a day or a range. `received` is the sum of the four arrival events. */
export interface InboundFigures {
  received: number;
  accepted: number;
  refused: number;
  quarantined: number;
  ignored: number;
  released: number;
  confirmed: number;
  forwarded: number;
}

/** Outbound mail over a day: `delivered` is sent mail no bounce was reported for. */
export interface OutboundFigures {
  sent: number;
  delivered: number;
  bounced: number;
  complained: number;
}

/** A median time and how many messages it is over (null median: none). */
export interface Median {
  n: number;
  medianMs: number | null;
}

/** Times from arrival: to our acknowledgement, and to the result's mail. */
export interface Timing {
  ack: Median;
  result: Median;
}

export interface DayRow extends InboundFigures, Timing {
  day: string;
  outbound: OutboundFigures;
}

export interface AddressRow extends InboundFigures, Timing {
  address: string;
}

export interface MailAnalytics {
  /** The UTC days shown, oldest first (`YYYY-MM-DD`). */
  days: string[];
  from: number;
  to: number;
  /** The address the inbound figures are for; null: every address. */
  address: string | null;
  byDay: DayRow[];
  totals: InboundFigures & Timing & { outbound: OutboundFigures };
  /** Refusals and ignored mail by reason over the range, every reason of the closed lists. */
  refused: { reason: string; n: number }[];
  ignored: { reason: string; n: number }[];
  /** Every address with mail in the range (whatever the filter), busiest first. */
  byAddress: AddressRow[];
}

type Row = Record<string, string | number | null>;
const num = (v: unknown) => Number(v ?? 0) || 0;

const emptyInbound = (): InboundFigures => ({
  received: 0,
  accepted: 0,
  refused: 0,
  quarantined: 0,
  ignored: 0,
  released: 0,
  confirmed: 0,
  forwarded: 0,
});
const noTiming = (): Timing => ({ ack: { n: 0, medianMs: null }, result: { n: 0, medianMs: null } });

/** Adds `n` of `event` to `figures` (arrival events also to `received`). */
function add(figures: InboundFigures, event: string, n: number) {
  if (!(event in figures) || event === "received") return;
  figures[event as keyof InboundFigures] += n;
  if (event === "accepted" || event === "refused" || event === "quarantined" || event === "ignored") {
    figures.received += n;
  }
}

/** The days of a range of `days` UTC days ending with the day of `now`. */
export function analyticsRange(days: number, now = Date.now()) {
  const end = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  const from = end - days * DAY_MS;
  const list = Array.from({ length: days }, (_, i) => dayOf(from + i * DAY_MS));
  return { from, to: end, days: list };
}

/**
 * The SQL of one median per key (`day`, `address`, or one for `all`) of the messages timed in [?1, ?2),
 * filtered to one address by ?3 when it is not null: nearest-rank, like the dashboard's step
 * durations. `to` picks the time: to acknowledgement (`ack_sent_at`), or to the first mail of
 * the result of the request the message started (its delivery-log row's `sent_at`).
 */
export function medianSql(to: "ack" | "result", by: "day" | "address" | "all"): string {
  const key = by === "all" ? "'all'" : by;
  const address = `COALESCE(i.address, '${UNKNOWN_ADDRESS}')`;
  const timed =
    to === "ack"
      ? `SELECT ${sqlDayOf("i.created_at")} AS day, ${address} AS address, MAX(0, i.ack_sent_at - i.created_at) AS ms
         FROM (SELECT id, address, created_at, ack_sent_at FROM inbound_emails
               WHERE created_at >= ?1 AND created_at < ?2 AND ack_sent_at IS NOT NULL
                 AND (?3 IS NULL OR COALESCE(address, '${UNKNOWN_ADDRESS}') = ?3)
               ORDER BY created_at DESC LIMIT ${MAX_TIMED_MESSAGES}) i`
      : `SELECT ${sqlDayOf("i.created_at")} AS day, ${address} AS address, MAX(0, MIN(n.sent_at) - i.created_at) AS ms
         FROM (SELECT id, address, created_at FROM inbound_emails
               WHERE created_at >= ?1 AND created_at < ?2 AND confirmed_at IS NOT NULL
                 AND (?3 IS NULL OR COALESCE(address, '${UNKNOWN_ADDRESS}') = ?3)
               ORDER BY created_at DESC LIMIT ${MAX_TIMED_MESSAGES}) i
         JOIN email_threads t ON t.root_inbound_id = i.id
         JOIN notifications n ON n.submission_id = t.submission_id
         WHERE n.channel = 'email' AND n.sent_at IS NOT NULL
           AND n.event IN (${RESULT_EVENTS.map((e) => `'${e}'`).join(", ")})
         GROUP BY i.id`;
  return `WITH t AS (${timed}),
    r AS (SELECT ${key} AS k, ms, ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY ms) AS rn,
                 COUNT(*) OVER (PARTITION BY ${key}) AS n FROM t)
    SELECT k, MAX(n) AS n, MIN(CASE WHEN rn >= 0.5 * n THEN ms END) AS p50 FROM r GROUP BY k`;
}

const medians = (rows: Row[]) =>
  new Map(rows.map((r) => [String(r.k), { n: num(r.n), medianMs: r.p50 === null ? null : num(r.p50) }]));

/** The figures of `days` days up to `now`, for `address` (null: every address) — one D1 batch. */
export async function mailAnalytics(
  d1: D1Database,
  opts: { days: number; address: string | null; now?: number },
): Promise<MailAnalytics> {
  const { from, to, days } = analyticsRange(opts.days, opts.now);
  const first = days[0] as string;
  const last = days.at(-1) as string;
  const address = opts.address;
  const timedArgs = [from, to, address] as const;
  const [inbound, perAddress, outbound, ackDay, resultDay, ackAddr, resultAddr, ackAll, resultAll] =
    await d1.batch<Row>([
      d1
        .prepare(
          `SELECT day, event, reason, SUM(n) AS n FROM mail_stats
           WHERE day >= ?1 AND day <= ?2 AND address != ?3 AND (?4 IS NULL OR address = ?4)
           GROUP BY day, event, reason`,
        )
        .bind(first, last, OUTBOUND_ADDRESS, address),
      d1
        .prepare(
          `SELECT address, event, SUM(n) AS n FROM mail_stats
           WHERE day >= ?1 AND day <= ?2 AND address != ?3 GROUP BY address, event`,
        )
        .bind(first, last, OUTBOUND_ADDRESS),
      d1
        .prepare(
          `SELECT day, event, SUM(n) AS n FROM mail_stats
           WHERE day >= ?1 AND day <= ?2 AND address = ?3 GROUP BY day, event`,
        )
        .bind(first, last, OUTBOUND_ADDRESS),
      d1.prepare(medianSql("ack", "day")).bind(...timedArgs),
      d1.prepare(medianSql("result", "day")).bind(...timedArgs),
      d1.prepare(medianSql("ack", "address")).bind(from, to, null),
      d1.prepare(medianSql("result", "address")).bind(from, to, null),
      d1.prepare(medianSql("ack", "all")).bind(...timedArgs),
      d1.prepare(medianSql("result", "all")).bind(...timedArgs),
    ]);
  const rows = (r: D1Result<Row> | undefined) => r?.results ?? [];

  const byDay = new Map<string, DayRow>(
    days.map((day) => [
      day,
      { day, ...emptyInbound(), ...noTiming(), outbound: { sent: 0, delivered: 0, bounced: 0, complained: 0 } },
    ]),
  );
  const totals = { ...emptyInbound(), ...noTiming(), outbound: { sent: 0, delivered: 0, bounced: 0, complained: 0 } };
  const refused = new Map<string, number>(REFUSAL_REASONS.map((r) => [r, 0]));
  const ignored = new Map<string, number>(IGNORED_REASONS.map((r) => [r, 0]));
  for (const r of rows(inbound)) {
    const day = byDay.get(String(r.day));
    if (!day) continue;
    const event = String(r.event);
    const n = num(r.n);
    add(day, event, n);
    add(totals, event, n);
    const reasons = event === "refused" ? refused : event === "ignored" ? ignored : null;
    if (reasons) reasons.set(String(r.reason), (reasons.get(String(r.reason)) ?? 0) + n);
  }
  for (const r of rows(outbound)) {
    const day = byDay.get(String(r.day));
    const event = String(r.event);
    if (!day || !(event === "sent" || event === "bounced" || event === "complained")) continue;
    day.outbound[event] += num(r.n);
    totals.outbound[event] += num(r.n);
  }
  for (const o of [...byDay.values()].map((d) => d.outbound).concat(totals.outbound)) {
    o.delivered = Math.max(0, o.sent - o.bounced);
  }
  const ackByDay = medians(rows(ackDay));
  const resultByDay = medians(rows(resultDay));
  for (const day of byDay.values()) {
    day.ack = ackByDay.get(day.day) ?? day.ack;
    day.result = resultByDay.get(day.day) ?? day.result;
  }
  totals.ack = medians(rows(ackAll)).get("all") ?? totals.ack;
  totals.result = medians(rows(resultAll)).get("all") ?? totals.result;

  const addresses = new Map<string, AddressRow>();
  for (const r of rows(perAddress)) {
    const key = String(r.address);
    const entry = addresses.get(key) ?? { address: key, ...emptyInbound(), ...noTiming() };
    add(entry, String(r.event), num(r.n));
    addresses.set(key, entry);
  }
  const ackOf = medians(rows(ackAddr));
  const resultOf = medians(rows(resultAddr));
  for (const key of new Set([...ackOf.keys(), ...resultOf.keys()])) {
    if (!addresses.has(key)) addresses.set(key, { address: key, ...emptyInbound(), ...noTiming() });
  }
  for (const entry of addresses.values()) {
    entry.ack = ackOf.get(entry.address) ?? entry.ack;
    entry.result = resultOf.get(entry.address) ?? entry.result;
  }

  return {
    days,
    from,
    to,
    address,
    byDay: [...byDay.values()],
    totals,
    refused: [...refused].map(([reason, n]) => ({ reason, n })),
    ignored: [...ignored].map(([reason, n]) => ({ reason, n })),
    byAddress: [...addresses.values()]
      .sort((a, b) => b.received - a.received || a.address.localeCompare(b.address))
      .slice(0, MAX_ADDRESSES),
  };
}

/** The addresses with counted mail since `sinceDay` (`YYYY-MM-DD`), at most `MAX_ADDRESSES`. */
export async function countedAddresses(d1: D1Database, sinceDay: string): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT DISTINCT address FROM mail_stats WHERE day >= ?1 AND address != ?2 ORDER BY address LIMIT ${MAX_ADDRESSES}`,
    )
    .bind(sinceDay, OUTBOUND_ADDRESS)
    .all<{ address: string }>();
  return results.map((r) => r.address);
}

/** Everything `/metrics` reports of mail, in one D1 batch: lifetime counters and 24-hour medians. */
export async function mailMetrics(d1: D1Database, now = Date.now()) {
  const since = now - DAY_MS;
  const [counters, recent, ack, result] = await d1.batch<Row>([
    d1.prepare("SELECT address, event, reason, SUM(n) AS n FROM mail_stats GROUP BY address, event, reason"),
    d1
      .prepare("SELECT event, SUM(n) AS n FROM mail_stats WHERE address = ?1 AND day >= ?2 GROUP BY event")
      .bind(OUTBOUND_ADDRESS, dayOf(now - 29 * DAY_MS)),
    d1.prepare(medianSql("ack", "address")).bind(since, now + 1, null),
    d1.prepare(medianSql("result", "address")).bind(since, now + 1, null),
  ]);
  const rows = (r: D1Result<Row> | undefined) => r?.results ?? [];
  const lastMonth = new Map(rows(recent).map((r) => [String(r.event), num(r.n)]));
  return {
    counters: rows(counters).map((r) => ({
      address: String(r.address),
      event: String(r.event),
      reason: String(r.reason ?? ""),
      n: num(r.n),
    })),
    deliveredLast30d: Math.max(0, (lastMonth.get("sent") ?? 0) - (lastMonth.get("bounced") ?? 0)),
    ack: medians(rows(ack)),
    result: medians(rows(result)),
  };
}
