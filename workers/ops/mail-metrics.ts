/**
 * The `/metrics` families of mail (the figures of `/app/admin/mail/analytics`): lifetime
 * counters of what inbound mail became per address, outcome and reason, and of outbound mail
 * (the `mail_stats` rows summed, so they only go up), and the median times from arrival to
 * acknowledgement and to result of the last 24 hours' mail per address. Labels are bounded:
 * configured addresses and `(unknown)`, and the closed lists of shared/db/mail-stats.ts.
 */
import { ARRIVAL_EVENTS, OUTBOUND_ADDRESS } from "../../shared/db/schema";
import { mailMetrics } from "../../shared/mail/analytics/report";
import { family, sample } from "./prom";

const ARRIVALS: readonly string[] = ARRIVAL_EVENTS;

/** The mail families, from one D1 batch. */
export async function renderMailMetrics(env: Env, now: number): Promise<string> {
  const m = await mailMetrics(env.DB, now);
  const inbound = m.counters.filter((c) => c.address !== OUTBOUND_ADDRESS);
  const outbound = m.counters.filter((c) => c.address === OUTBOUND_ADDRESS);
  const received = new Map<string, number>();
  for (const c of inbound) {
    if (ARRIVALS.includes(c.event)) received.set(c.address, (received.get(c.address) ?? 0) + c.n);
  }
  const medianLines = (name: string, medians: typeof m.ack) =>
    [...medians].flatMap(([address, median]) =>
      median.medianMs === null ? [] : [sample(name, { address, quantile: "0.5" }, median.medianMs / 1000)],
    );
  return [
    family(
      "statex_mail_received_total",
      "counter",
      "Inbound messages received per configured address ((unknown): any address nobody configured); duplicates not counted again.",
      [...received].map(([address, n]) => sample("statex_mail_received_total", { address }, n)),
    ),
    family(
      "statex_mail_inbound_total",
      "counter",
      "Inbound mail events per address: arrivals (accepted, refused, quarantined, ignored, by reason) and later events (released, confirmed, forwarded).",
      inbound.map((c) =>
        sample("statex_mail_inbound_total", { address: c.address, outcome: c.event, reason: c.reason }, c.n),
      ),
    ),
    family(
      "statex_mail_outbound_total",
      "counter",
      "Outbound mail handed to send_email, and trusted bounce and complaint reports about it.",
      outbound.map((c) => sample("statex_mail_outbound_total", { outcome: c.event }, c.n)),
    ),
    family(
      "statex_mail_delivered_last_30d",
      "gauge",
      "Mail sent in the last 30 days that no bounce was reported for (sent − bounced; email confirms no delivery).",
      [sample("statex_mail_delivered_last_30d", {}, m.deliveredLast30d)],
    ),
    family(
      "statex_mail_ack_seconds",
      "gauge",
      "Median time from arrival to our acknowledgement, mail that arrived in the last 24 hours, per address.",
      medianLines("statex_mail_ack_seconds", m.ack),
    ),
    family(
      "statex_mail_result_seconds",
      "gauge",
      "Median time from arrival to the mail with the request's result, mail that arrived in the last 24 hours, per address.",
      medianLines("statex_mail_result_seconds", m.result),
    ),
    family(
      "statex_mail_timed_last_24h",
      "gauge",
      "Messages of the last 24 hours the medians are over, per address and time (ack, result).",
      [
        ...[...m.ack].map(([address, x]) => sample("statex_mail_timed_last_24h", { address, time: "ack" }, x.n)),
        ...[...m.result].map(([address, x]) => sample("statex_mail_timed_last_24h", { address, time: "result" }, x.n)),
      ],
    ),
  ].join("\n\n");
}
