import type { Context } from "hono";
import { Hono } from "hono";
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { SUBMISSION_STATUSES, type SubmissionStatus } from "../../shared/db/schema";
import { type Cursor, decodeCursor, encodeCursor, SearchSyntaxError, snippetHtml } from "../../shared/fts";
import { type AuditFilter, searchAudit } from "../admin/audit/repo";
import { exportAudit } from "../admin/audit/service";
import { dashboardData, OUTCOMES, RANGE_HOURS, rangeOf } from "../admin/dashboard/repo";
import { type SubmissionFilter, searchSubmissions } from "../admin/submissions/repo";
import { exportSubmissions } from "../admin/submissions/service";
import type { AppEnv } from "../app-env";
import { barChart } from "./charts";
import { Badge, type Flash, Layout, Time } from "./layout";
import { requireAdmin } from "./session";

const AUDIT_PAGE = 50;
const REQUESTS_PAGE = 50;

function adminPage(
  c: Context<AppEnv>,
  title: string,
  body: Child,
  flash: Flash | null = null,
  status = 200,
  current = "/app/admin",
) {
  return c.html(
    <Layout title={title} user={c.get("user")} csrf={c.get("session")?.csrfToken} current={current} flash={flash}>
      <p>
        <a href="/app/admin">← Admin</a>
      </p>
      {body}
    </Layout>,
    status as 200,
  );
}

/** A query parameter, trimmed and bounded; empty means absent. */
const param = (c: Context<AppEnv>, name: string, max = 100) => c.req.query(name)?.trim().slice(0, max) || undefined;
const timeParam = (c: Context<AppEnv>, name: string) => {
  const v = param(c, name);
  return v && !Number.isNaN(Date.parse(v)) ? v : undefined;
};
const sortParam = (c: Context<AppEnv>) => (c.req.query("sort") === "newest" ? ("newest" as const) : undefined);

/** The paging cursor of a portal link; a broken one is a bad search (400), like the API. */
function cursorParam(c: Context<AppEnv>): Cursor | null {
  const token = param(c, "cursor", 200);
  return token ? decodeCursor(token) : null;
}

/** A query string of the non-empty values. */
const queryOf = (values: Record<string, string | number | undefined>) =>
  new URLSearchParams(
    Object.entries(values).flatMap(([k, v]) => (v === undefined || v === "" ? [] : [[k, String(v)]])),
  ).toString();

/** The audit filter of a portal request's query string (unknown keys ignored). */
function auditFilter(c: Context<AppEnv>) {
  const cursor = cursorParam(c);
  const before = Number(c.req.query("before"));
  return {
    q: param(c, "q", 200),
    sort: sortParam(c),
    action: param(c, "action"),
    actorId: param(c, "actorId"),
    targetId: param(c, "targetId"),
    from: timeParam(c, "from"),
    to: timeParam(c, "to"),
    before:
      cursor && "before" in cursor && typeof cursor.before === "number"
        ? cursor.before
        : Number.isInteger(before) && before > 0
          ? before
          : undefined,
    offset: cursor && "offset" in cursor ? cursor.offset : undefined,
  } satisfies AuditFilter;
}

/** The request-history filter of a portal request's query string. */
function requestsFilter(c: Context<AppEnv>) {
  const cursor = cursorParam(c);
  const status = c.req.query("status");
  return {
    q: param(c, "q", 200),
    sort: sortParam(c),
    status: SUBMISSION_STATUSES.includes(status as SubmissionStatus) ? (status as SubmissionStatus) : undefined,
    owner: param(c, "owner", 254),
    from: timeParam(c, "from"),
    to: timeParam(c, "to"),
    before: cursor && "before" in cursor && typeof cursor.before === "string" ? cursor.before : undefined,
    offset: cursor && "offset" in cursor ? cursor.offset : undefined,
  } satisfies SubmissionFilter;
}

/** Runs a search; a search text that cannot be run becomes a flash on the page, not an error page. */
async function attempt<T>(run: () => Promise<T>, empty: T): Promise<{ result: T; flash: Flash | null }> {
  try {
    return { result: await run(), flash: null };
  } catch (error) {
    if (error instanceof SearchSyntaxError) return { result: empty, flash: { kind: "bad", text: error.message } };
    throw error;
  }
}

function SearchBox(props: { id: string; value?: string; sort?: string }) {
  return (
    <>
      <div>
        <label for={`${props.id}-q`}>Search text</label>
        <input
          id={`${props.id}-q`}
          name="q"
          type="text"
          value={props.value ?? ""}
          placeholder="words, ids, addresses; prefix*"
          aria-describedby={`${props.id}-q-hint`}
        />
      </div>
      <div>
        <label for={`${props.id}-sort`}>Order</label>
        <select id={`${props.id}-sort`} name="sort">
          <option value="relevance" selected={props.sort !== "newest"}>
            Best match
          </option>
          <option value="newest" selected={props.sort === "newest"}>
            Newest
          </option>
        </select>
      </div>
    </>
  );
}

const SearchHint = (props: { id: string }) => (
  <p class="hint" id={`${props.id}-q-hint`}>
    Every word must match; end a word with * to match its start. Quotes and operators are searched as text.
  </p>
);

/** Snippet HTML from `snippetHtml` (escaped text, `<mark>` around matches). */
const Snippet = (props: { html: string | null }) => (props.html ? <div class="muted">{raw(props.html)}</div> : null);

/** `/app/admin/*` beyond the overview: search pages, CSV exports and the dashboard. */
export const adminPages = new Hono<AppEnv>()
  .use(requireAdmin)
  .get("/audit.csv", (c) => exportAudit(c, auditFilter(c)))
  .get("/audit", async (c) => {
    const filter = auditFilter(c);
    const { result, flash } = await attempt(() => searchAudit(c.env.DB, filter, AUDIT_PAGE), {
      rows: [],
      next: null,
    });
    const { rows, next } = result;
    const base = { ...filter, before: undefined, offset: undefined };
    const zone = c.get("user").timeZone;
    return adminPage(
      c,
      "Audit trail",
      <>
        <h1>Audit trail</h1>
        <form class="filters" method="get" action="/app/admin/audit">
          <SearchBox id="audit" value={filter.q} sort={filter.sort} />
          {(
            [
              ["action", "Action", "e.g. auth.signin"],
              ["actorId", "Actor id", "usr_…"],
              ["targetId", "Target id", "sub_…, usr_…"],
              ["from", "From (ISO time)", "2026-11-01T00:00:00Z"],
              ["to", "To (ISO time)", "2026-11-30T23:59:59Z"],
            ] as const
          ).map(([name, label, hint]) => (
            <div>
              <label for={`audit-${name}`}>{label}</label>
              <input id={`audit-${name}`} name={name} type="text" value={filter[name] ?? ""} placeholder={hint} />
            </div>
          ))}
          <button type="submit" class="secondary">
            Search
          </button>
          <a class="button secondary" href={`/app/admin/audit.csv?${queryOf(base)}`}>
            Download CSV
          </a>
        </form>
        <SearchHint id="audit" />
        {flash ? (
          <div class="flash bad" role="alert">
            {flash.text}
          </div>
        ) : null}
        <div class="card">
          {rows.length === 0 ? (
            <p>No entries match.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col" class="opt">
                    Target
                  </th>
                  <th scope="col" class="opt">
                    From
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr>
                    <td>
                      <Time ms={r.at} zone={zone} />
                      <div class="muted mono">#{r.id}</div>
                    </td>
                    <td>
                      <span class="mono">{r.action}</span>
                      <Snippet html={snippetHtml(r.snippet)} />
                    </td>
                    <td>
                      {r.actorType}
                      <div class="muted mono">{r.actorId ?? "—"}</div>
                    </td>
                    <td class="opt mono">{r.targetId ? `${r.targetType}: ${r.targetId}` : "—"}</td>
                    <td class="opt">
                      {r.ip ?? "—"}
                      <div class="muted mono">{r.correlationId}</div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div class="pager">
            <span />
            {next ? (
              <a href={`/app/admin/audit?${queryOf({ ...base, cursor: encodeCursor(next) })}`}>
                {"offset" in next ? "More →" : "Older →"}
              </a>
            ) : (
              <span />
            )}
          </div>
        </div>
      </>,
      null,
      flash ? 400 : 200,
    );
  })
  .get("/requests.csv", (c) => exportSubmissions(c, requestsFilter(c)))
  .get("/requests", async (c) => {
    const filter = requestsFilter(c);
    const { result, flash } = await attempt(() => searchSubmissions(c.env.DB, filter, REQUESTS_PAGE), {
      rows: [],
      next: null,
    });
    const { rows, next } = result;
    const base = { ...filter, before: undefined, offset: undefined };
    const zone = c.get("user").timeZone;
    return adminPage(
      c,
      "Request history",
      <>
        <h1>Request history</h1>
        <form class="filters" method="get" action="/app/admin/requests">
          <SearchBox id="requests" value={filter.q} sort={filter.sort} />
          <div>
            <label for="requests-status">Status</label>
            <select id="requests-status" name="status">
              <option value="">Any</option>
              {SUBMISSION_STATUSES.map((s) => (
                <option value={s} selected={filter.status === s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          {(
            [
              ["owner", "Owner", "usr_… or address"],
              ["from", "From (ISO time)", "2026-11-01T00:00:00Z"],
              ["to", "To (ISO time)", "2026-11-30T23:59:59Z"],
            ] as const
          ).map(([name, label, hint]) => (
            <div>
              <label for={`requests-${name}`}>{label}</label>
              <input id={`requests-${name}`} name={name} type="text" value={filter[name] ?? ""} placeholder={hint} />
            </div>
          ))}
          <button type="submit" class="secondary">
            Search
          </button>
          <a class="button secondary" href={`/app/admin/requests.csv?${queryOf(base)}`}>
            Download CSV
          </a>
        </form>
        <SearchHint id="requests" />
        {flash ? (
          <div class="flash bad" role="alert">
            {flash.text}
          </div>
        ) : null}
        <div class="card">
          {rows.length === 0 ? (
            <p>No requests match.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Request</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="opt">
                    Sent
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((s) => (
                  <tr>
                    <td>
                      <a class="mono" href={`/app/requests/${s.id}`}>
                        {s.id}
                      </a>
                      <div class="muted">{s.email}</div>
                      {s.snippet ? <Snippet html={snippetHtml(s.snippet)} /> : <div>{s.excerpt}</div>}
                      {s.error ? <div class="muted">{s.error}</div> : null}
                    </td>
                    <td>
                      <Badge status={s.status} />
                    </td>
                    <td class="opt">
                      <Time ms={s.createdAt} zone={zone} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div class="pager">
            <span />
            {next ? (
              <a href={`/app/admin/requests?${queryOf({ ...base, cursor: encodeCursor(next) })}`}>
                {"offset" in next ? "More →" : "Older →"}
              </a>
            ) : (
              <span />
            )}
          </div>
        </div>
      </>,
      null,
      flash ? 400 : 200,
    );
  })
  .get("/dashboard", async (c) => {
    const asked = Number(c.req.query("hours"));
    const hours = (RANGE_HOURS as readonly number[]).includes(asked) ? asked : 24;
    const data = await dashboardData(c.env.DB, rangeOf(hours));
    return adminPage(
      c,
      "Dashboard",
      <Dashboard hours={hours} data={data} zone={c.get("user").timeZone} />,
      null,
      200,
      "/app/admin/dashboard",
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
