/**
 * The mail analytics page's body (`mail-analytics.tsx` reads the figures): one SVG chart per
 * figure (charts.ts), each followed by its table — the table is the data, the chart its picture.
 */
import { raw } from "hono/html";
import { UNKNOWN_ADDRESS } from "../../../shared/db/schema";
import {
  type AddressRow,
  ANALYTICS_DAYS,
  type MailAnalytics,
  type Median,
} from "../../../shared/mail/analytics/report";
import { barChart } from "./charts";

const COLORS = {
  accepted: "#0f7b3f",
  refused: "#b42318",
  quarantined: "#b7791f",
  ignored: "#9aa4b2",
  confirmed: "#1d4ed8",
  forwarded: "#6d28d9",
  released: "#0e7490",
  ack: "#1d4ed8",
  result: "#93b4ff",
  sent: "#1d4ed8",
  delivered: "#0f7b3f",
  bounced: "#b42318",
  complained: "#b7791f",
} as const;

/** A day `YYYY-MM-DD` as "2 Dec". */
const dayLabel = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });

/** A duration for people: ms, s, min or h. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 6_000) / 10} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}
const median = (m: Median) => (m.medianMs === null ? "—" : duration(m.medianMs));
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

const INBOUND_COLUMNS = ["received", "accepted", "refused", "quarantined", "ignored"] as const;
const LATER_COLUMNS = ["confirmed", "forwarded", "released"] as const;
const OUTBOUND_COLUMNS = ["sent", "delivered", "bounced", "complained"] as const;

export function MailAnalyticsView(props: { data: MailAnalytics; days: number; options: string[] }) {
  const { data } = props;
  const labels = data.days.map(dayLabel);
  const scope = data.address ? `mail to ${data.address}` : "mail to every address";
  const t = data.totals;
  const refusedSeen = data.refused.filter((r) => r.n > 0);
  return (
    <>
      <h1>Mail analytics</h1>
      <form class="filters" method="get" action="/app/admin/mail/analytics">
        <div>
          <label for="mail-address">Address</label>
          <select id="mail-address" name="address">
            <option value="">Every address</option>
            {props.options.map((a) => (
              <option value={a} selected={a === data.address}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="mail-days">Range</label>
          <select id="mail-days" name="days">
            {ANALYTICS_DAYS.map((d) => (
              <option value={String(d)} selected={d === props.days}>
                Last {d} days
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="secondary">
          Show
        </button>
      </form>
      <p class="hint">
        {data.days[0]} to {data.days.at(-1)} (UTC days), {scope}: {t.received} received, {t.accepted} accepted,{" "}
        {t.confirmed} confirmed, {t.refused} refused, {t.quarantined} quarantined, {t.forwarded} forwarded. Every
        address nobody configured counts as <span class="mono">{UNKNOWN_ADDRESS}</span>. Routes and forwarding:{" "}
        <a href="/app/admin/mail">Mail</a>; spam: <a href="/app/admin/quarantine">Quarantine</a>. Prometheus:{" "}
        <span class="mono">statex_mail_*</span> in <span class="mono">GET /metrics</span>.
      </p>

      <h2 id="inbound">Inbound mail per day</h2>
      <div class="card">
        {raw(
          barChart({
            id: "chart-mail-inbound",
            title: `Inbound mail per day by what it became (${scope})`,
            description: `Over the range: ${t.received} received — ${t.accepted} accepted, ${t.refused} refused, ${t.quarantined} quarantined, ${t.ignored} ignored.`,
            categories: labels,
            stacked: true,
            integer: true,
            series: (["accepted", "refused", "quarantined", "ignored"] as const).map((k) => ({
              name: k,
              color: COLORS[k],
              values: data.byDay.map((d) => d[k]),
            })),
          }),
        )}
        <DayTable
          caption="Inbound mail per day"
          data={data}
          columns={INBOUND_COLUMNS}
          cells={(d) => INBOUND_COLUMNS.map((k) => String(d[k]))}
        />
      </div>

      <h2 id="later">Confirmed, forwarded and released per day</h2>
      <div class="card">
        {raw(
          barChart({
            id: "chart-mail-later",
            title: `Mail confirmed by its sender, forwarded to staff, and released from quarantine, per day (${scope})`,
            description: `Over the range: ${t.confirmed} confirmed, ${t.forwarded} forwarded, ${t.released} released.`,
            categories: labels,
            integer: true,
            series: LATER_COLUMNS.map((k) => ({ name: k, color: COLORS[k], values: data.byDay.map((d) => d[k]) })),
          }),
        )}
        <DayTable
          caption="Confirmed, forwarded and released per day"
          data={data}
          columns={LATER_COLUMNS}
          cells={(d) => LATER_COLUMNS.map((k) => String(d[k]))}
        />
      </div>

      <h2 id="refused">Refused mail by reason</h2>
      <div class="card">
        {raw(
          barChart({
            id: "chart-mail-refused",
            title: `Refused mail by reason (${scope})`,
            description: refusedSeen.length
              ? `${refusedSeen.map((r) => `${r.reason}: ${r.n}`).join("; ")}.`
              : "No mail was refused.",
            // The reasons that occurred (every reason is in the table): long labels stay legible.
            categories: refusedSeen.map((r) => r.reason),
            integer: true,
            labelEvery: 1,
            series: [{ name: "refused", color: COLORS.refused, values: refusedSeen.map((r) => r.n) }],
          }),
        )}
        <ReasonTable caption="Refused mail by reason" rows={data.refused} total={t.refused} />
        <h3 id="ignored">Ignored mail by reason</h3>
        <ReasonTable caption="Ignored mail by reason" rows={data.ignored} total={t.ignored} />
      </div>

      <h2 id="times">Time to acknowledgement and to result (median)</h2>
      <div class="card">
        {raw(
          barChart({
            id: "chart-mail-times",
            title: `Median time from a message's arrival to our acknowledgement and to its result, by day of arrival (${scope})`,
            description: `Over the range: acknowledgement ${median(t.ack)} (${t.ack.n} messages), result ${median(t.result)} (${t.result.n} requests).`,
            categories: labels,
            series: [
              { name: "to acknowledgement", color: COLORS.ack, values: data.byDay.map((d) => d.ack.medianMs ?? 0) },
              { name: "to result", color: COLORS.result, values: data.byDay.map((d) => d.result.medianMs ?? 0) },
            ],
            format: duration,
          }),
        )}
        <DayTable
          caption="Median times per day of arrival"
          data={data}
          columns={["acknowledged", "median to acknowledgement", "with a result", "median to result"]}
          cells={(d) => [String(d.ack.n), median(d.ack), String(d.result.n), median(d.result)]}
          total={[String(t.ack.n), median(t.ack), String(t.result.n), median(t.result)]}
        />
        <p class="hint">
          Nearest-rank medians of the newest 20,000 messages of the range, while their records are kept (the retention
          period). A result is the first mail of the request's outcome (completed or failed) to its customer.
        </p>
      </div>

      <h2 id="outbound">Outbound mail per day</h2>
      <div class="card">
        {raw(
          barChart({
            id: "chart-mail-outbound",
            title: "Outbound mail per day: sent, bounced and complained about (every address)",
            description: `Over the range: ${t.outbound.sent} sent, ${t.outbound.delivered} with no bounce reported, ${t.outbound.bounced} bounced, ${t.outbound.complained} complained about.`,
            categories: labels,
            integer: true,
            series: (["sent", "bounced", "complained"] as const).map((k) => ({
              name: k,
              color: COLORS[k],
              values: data.byDay.map((d) => d.outbound[k]),
            })),
          }),
        )}
        <DayTable
          caption="Outbound mail per day"
          data={data}
          columns={OUTBOUND_COLUMNS}
          cells={(d) => OUTBOUND_COLUMNS.map((k) => String(d.outbound[k]))}
          total={OUTBOUND_COLUMNS.map((k) => String(t.outbound[k]))}
        />
        <p class="hint">
          Outbound mail is every message handed to the <span class="mono">send_email</span> binding (results,
          acknowledgements, account mail), whatever the address filter. Email confirms no delivery: delivered is sent
          mail no bounce was reported for. Bounces and complaints count on the day of the mail they report, and only
          when they answer a message we sent.
        </p>
      </div>

      <h2 id="addresses">By address</h2>
      <div class="card">
        <AddressSection rows={data.byAddress} days={props.days} />
      </div>
    </>
  );
}

/** A table with one row per day of the range, then the range's totals. */
function DayTable(props: {
  caption: string;
  data: MailAnalytics;
  columns: readonly string[];
  cells: (d: MailAnalytics["byDay"][number]) => string[];
  total?: string[];
}) {
  const totals =
    props.total ??
    props.columns.map((_, i) => String(sum(props.data.byDay.map((d) => Number(props.cells(d)[i]) || 0))));
  // Folded, as the dashboard's per-hour tables are: a row per day makes a long page.
  return (
    <details>
      <summary>Table: {props.caption.toLowerCase()}</summary>
      <table>
        <caption class="skip">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Day (UTC)</th>
            {props.columns.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.data.byDay.map((d) => (
            <tr data-day={d.day}>
              <th scope="row">
                <time datetime={d.day}>{dayLabel(d.day)}</time>
              </th>
              {props.cells(d).map((v) => (
                <td>{v}</td>
              ))}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-day="total">
            <th scope="row">Total</th>
            {totals.map((v) => (
              <td>{v}</td>
            ))}
          </tr>
        </tfoot>
      </table>
    </details>
  );
}

function ReasonTable(props: { caption: string; rows: { reason: string; n: number }[]; total: number }) {
  return (
    <table>
      <caption class="skip">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Reason</th>
          <th scope="col">Messages</th>
          <th scope="col">Share</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr data-reason={r.reason}>
            <th scope="row">{r.reason}</th>
            <td>{r.n}</td>
            <td>{props.total ? `${Math.round((r.n / props.total) * 1000) / 10}%` : "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const ADDRESS_COLUMNS = [
  "received",
  "accepted",
  "confirmed",
  "refused",
  "quarantined",
  "released",
  "forwarded",
  "ignored",
] as const;

/** An address short enough to label a bar (the table under the chart has it whole). */
const short = (address: string) => (address.length > 28 ? `${address.slice(0, 27)}…` : address);

function AddressSection(props: { rows: AddressRow[]; days: number }) {
  const { rows } = props;
  if (rows.length === 0) return <p class="muted">No mail in this range.</p>;
  const charted = rows.slice(0, 6);
  const link = (address: string) => (
    <a href={`/app/admin/mail/analytics?${new URLSearchParams({ address, days: String(props.days) })}`}>{address}</a>
  );
  return (
    <>
      {raw(
        barChart({
          id: "chart-mail-addresses",
          title: "Inbound mail per address by what it became (the 6 busiest)",
          description: charted.map((r) => `${r.address}: ${r.received} received`).join("; "),
          categories: charted.map((r) => short(r.address)),
          stacked: true,
          integer: true,
          labelEvery: 1,
          series: (["accepted", "refused", "quarantined", "ignored"] as const).map((k) => ({
            name: k,
            color: COLORS[k],
            values: charted.map((r) => r[k]),
          })),
        }),
      )}
      <table>
        <caption class="skip">Mail per address</caption>
        <thead>
          <tr>
            <th scope="col">Address</th>
            {ADDRESS_COLUMNS.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr data-address={r.address}>
              <th scope="row">{link(r.address)}</th>
              {ADDRESS_COLUMNS.map((k) => (
                <td>{r[k]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <h3 id="address-times">Times per address (median)</h3>
      <table>
        <caption class="skip">Median times per address</caption>
        <thead>
          <tr>
            <th scope="col">Address</th>
            <th scope="col">acknowledged</th>
            <th scope="col">median to acknowledgement</th>
            <th scope="col">with a result</th>
            <th scope="col">median to result</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr data-address-times={r.address}>
              <th scope="row">{link(r.address)}</th>
              <td>{r.ack.n}</td>
              <td>{median(r.ack)}</td>
              <td>{r.result.n}</td>
              <td>{median(r.result)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
