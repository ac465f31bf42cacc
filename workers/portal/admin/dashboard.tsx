/**
 * `/app/admin/dashboard`: the admin dashboard, from the same queries as `/v1/admin/dashboard`
 * (workers/admin/dashboard/repo.ts): jobs by outcome, step durations, provider error rates and
 * notification delivery, each an SVG chart with the same numbers as a table; a link to mail
 * analytics (mail-analytics.tsx); then the SLOs (slo.tsx), whose windows are fixed (1 h, 24 h,
 * 30 days) whatever the range chosen.
 */
import { Hono } from "hono";
import { raw } from "hono/html";
import { sloReport } from "../../../shared/slo/compute";
import { dashboardData, OUTCOMES, RANGE_HOURS, rangeOf } from "../../admin/dashboard/repo";
import type { AppEnv } from "../../app-env";
import { Time } from "../layout";
import { barChart } from "./charts";
import { adminPage } from "./page";
import { SloSection } from "./slo";

/** The dashboard page; mounted behind `requireAdmin` (index.tsx). */
export const dashboardPages = new Hono<AppEnv>().get("/dashboard", async (c) => {
  const asked = Number(c.req.query("hours"));
  const hours = (RANGE_HOURS as readonly number[]).includes(asked) ? asked : 24;
  const [data, slo] = await Promise.all([dashboardData(c.env.DB, rangeOf(hours)), sloReport(c.env, Date.now())]);
  return adminPage(
    c,
    "Dashboard",
    "/app/admin/dashboard",
    <>
      <Dashboard hours={hours} data={data} zone={c.get("user").timeZone} />
      <h2 id="mail">Mail</h2>
      <p>
        Inbound mail per address and day — received, accepted, confirmed, refused by reason, quarantined, forwarded —
        outbound mail, and the times to acknowledgement and to result:{" "}
        <a href="/app/admin/mail/analytics">Mail analytics</a>.
      </p>
      <SloSection report={slo} />
    </>,
  );
});

const OUTCOME_COLORS: Record<(typeof OUTCOMES)[number], string> = {
  completed: "#0f7b3f",
  failed: "#b42318",
  cancelled: "#b7791f",
};

const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;
const ms = (v: number) => (v >= 10_000 ? `${Math.round(v / 100) / 10} s` : `${Math.round(v)} ms`);

/** A bucket's label in the viewer's zone: the hour for hourly buckets, else the day (and hour). */
function bucketLabel(start: number, bucketMs: number, zone: string): string {
  const options: Intl.DateTimeFormatOptions =
    bucketMs < 3_600_000 * 24
      ? bucketMs === 3_600_000
        ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
        : { day: "numeric", month: "short", hour: "2-digit", hourCycle: "h23" }
      : { day: "numeric", month: "short" };
  try {
    return new Date(start).toLocaleString("en-GB", { timeZone: zone, ...options });
  } catch {
    return new Date(start).toISOString().slice(5, 16);
  }
}

function Dashboard(props: { hours: number; data: Awaited<ReturnType<typeof dashboardData>>; zone: string }) {
  const { jobs, steps, providers, notifications, range } = props.data;
  const labels = jobs.buckets.map((b) => bucketLabel(b, range.bucketMs, props.zone));
  const per = range.bucketMs === 3_600_000 ? "hour" : range.bucketMs === 6 * 3_600_000 ? "6 hours" : "day";
  const totals = OUTCOMES.map((o) => [o, jobs.counts[o].reduce((a, b) => a + b, 0)] as const);
  return (
    <>
      <h1>Dashboard</h1>
      <form class="filters" method="get" action="/app/admin/dashboard">
        <div>
          <label for="dash-hours">Range</label>
          <select id="dash-hours" name="hours">
            {RANGE_HOURS.map((h) => (
              <option value={String(h)} selected={h === props.hours}>
                {h < 48 ? `Last ${h} hours` : `Last ${h / 24} days`}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="secondary">
          Show
        </button>
      </form>
      <p class="hint">
        From <Time ms={range.from} zone={props.zone} /> to <Time ms={range.to} zone={props.zone} />; every figure is
        read from D1. Prometheus: <span class="mono">GET /metrics</span>.
      </p>

      <h2 id="jobs">Jobs per {per} by outcome</h2>
      <div class="card">
        {raw(
          barChart({
            id: "chart-jobs",
            title: `Finished jobs per ${per} by outcome`,
            description: `Jobs that finished in the range: ${totals.map(([o, n]) => `${n} ${o}`).join(", ")}.`,
            categories: labels,
            stacked: true,
            integer: true,
            series: OUTCOMES.map((o) => ({ name: o, color: OUTCOME_COLORS[o], values: jobs.counts[o] })),
          }),
        )}
        <details>
          <summary>Table</summary>
          <table>
            <caption class="skip">Finished jobs per {per}</caption>
            <thead>
              <tr>
                <th scope="col">From</th>
                {OUTCOMES.map((o) => (
                  <th scope="col">{o}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {jobs.buckets.map((b, i) =>
                OUTCOMES.some((o) => (jobs.counts[o][i] ?? 0) > 0) ? (
                  <tr>
                    <td>
                      <Time ms={b} zone={props.zone} />
                    </td>
                    {OUTCOMES.map((o) => (
                      <td>{jobs.counts[o][i] ?? 0}</td>
                    ))}
                  </tr>
                ) : null,
              )}
            </tbody>
          </table>
        </details>
      </div>

      <h2 id="steps">Step durations (p50 and p95)</h2>
      <div class="card">
        {raw(
          barChart({
            id: "chart-steps",
            title: "Step durations, median and 95th percentile",
            description: steps.length
              ? steps.map((s) => `${s.step}: p50 ${ms(s.p50Ms)}, p95 ${ms(s.p95Ms)} over ${s.n} steps`).join("; ")
              : "No step finished in the range.",
            categories: steps.map((s) => s.step),
            series: [
              { name: "p50", color: "#1d4ed8", values: steps.map((s) => s.p50Ms) },
              { name: "p95", color: "#93b4ff", values: steps.map((s) => s.p95Ms) },
            ],
            format: ms,
          }),
        )}
        <StatTable
          caption="Step durations"
          head={["Step", "Finished", "p50", "p95"]}
          rows={steps.map((s) => [s.step, String(s.n), ms(s.p50Ms), ms(s.p95Ms)])}
        />
      </div>

      <h2 id="providers">AI provider error rate</h2>
      <div class="card">
        {raw(
          barChart({
            id: "chart-providers",
            title: "AI provider calls that failed, per provider",
            description: providers.length
              ? providers
                  .map((p) => `${p.provider}: ${p.errors} of ${p.calls} calls failed (${pct(p.rate)})`)
                  .join("; ")
              : "No provider call in the range.",
            categories: providers.map((p) => p.provider),
            series: [{ name: "error rate", color: "#b42318", values: providers.map((p) => p.rate * 100) }],
            max: 100,
            zeroText: "No failed calls",
            format: (v) => `${Math.round(v * 10) / 10}%`,
          }),
        )}
        <StatTable
          caption="Provider calls"
          head={["Provider", "Calls", "Failed", "Error rate"]}
          rows={providers.map((p) => [p.provider, String(p.calls), String(p.errors), pct(p.rate)])}
        />
      </div>

      <h2 id="notifications">Notification delivery</h2>
      <div class="card">
        {raw(
          barChart({
            id: "chart-notifications",
            title: "Notifications per channel by delivery outcome",
            description: notifications.length
              ? notifications
                  .map(
                    (n) =>
                      `${n.channel}: ${n.sent} sent, ${n.failed} failed, ${n.pending} pending${n.rate === null ? "" : ` (${pct(n.rate)} delivered)`}`,
                  )
                  .join("; ")
              : "No notification in the range.",
            categories: notifications.map((n) => n.channel),
            stacked: true,
            integer: true,
            series: [
              { name: "sent", color: "#0f7b3f", values: notifications.map((n) => n.sent) },
              { name: "failed", color: "#b42318", values: notifications.map((n) => n.failed) },
              { name: "pending", color: "#9aa4b2", values: notifications.map((n) => n.pending) },
            ],
          }),
        )}
        <StatTable
          caption="Notification delivery"
          head={["Channel", "Sent", "Failed", "Pending", "Delivery rate"]}
          rows={notifications.map((n) => [
            n.channel,
            String(n.sent),
            String(n.failed),
            String(n.pending),
            n.rate === null ? "—" : pct(n.rate),
          ])}
        />
      </div>
    </>
  );
}

function StatTable(props: { caption: string; head: string[]; rows: string[][] }) {
  if (props.rows.length === 0) return <p class="muted">Nothing in this range.</p>;
  return (
    <table>
      <caption class="skip">{props.caption}</caption>
      <thead>
        <tr>
          {props.head.map((h) => (
            <th scope="col">{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr>{r.map((cell, i) => (i === 0 ? <th scope="row">{cell}</th> : <td>{cell}</td>))}</tr>
        ))}
      </tbody>
    </table>
  );
}
