/**
 * `/app/admin/alerts`: every alert incident (shared/slo/alerts.ts), firing first, newest first,
 * each with its timeline — fired, admins notified, resolved. The page only reads: alerts open
 * and close by themselves on the 5-minute cron; the rules are in docs/operations.md.
 */
import { Hono } from "hono";
import type { AlertEventRow } from "../../../shared/db/schema";
import { alertTimeline, listAlerts } from "../../../shared/slo/alerts";
import type { AppEnv } from "../../app-env";
import { Time } from "../layout";
import { adminPage } from "./page";

/** The alerts page; mounted behind `requireAdmin` (index.tsx). */
export const alertPages = new Hono<AppEnv>().get("/alerts", async (c) => {
  const rows = await listAlerts(c.env, 100);
  const events = await alertTimeline(
    c.env,
    rows.map((r) => r.id),
  );
  const zone = c.get("user").timeZone;
  const byAlert = new Map<string, AlertEventRow[]>();
  for (const e of events) byAlert.set(e.alertId, [...(byAlert.get(e.alertId) ?? []), e]);
  const firing = rows.filter((r) => r.state === "firing").length;
  return adminPage(
    c,
    "Alerts",
    "/app/admin/alerts",
    <>
      <h1>Alerts</h1>
      <p class="hint">
        {firing === 0 ? "Nothing is firing." : `${firing} firing.`} Rules are evaluated every 5 minutes; admins are told
        once when an alert fires and once when it resolves. SLOs: <a href="/app/admin/dashboard#slo">dashboard</a>.
      </p>
      {rows.length === 0 ? (
        <p class="muted">No alert has fired yet.</p>
      ) : (
        <table>
          <caption class="skip">Alerts</caption>
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Alert</th>
              <th scope="col">Severity</th>
              <th scope="col">Fired</th>
              <th scope="col">Resolved</th>
              <th scope="col">Timeline</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr id={`alert-${a.id}`} data-state={a.state}>
                <td>{a.state}</td>
                <th scope="row">
                  {a.summary}
                  <br />
                  <span class="mono muted">{a.key}</span>
                </th>
                <td>{a.severity}</td>
                <td>
                  <Time ms={a.firedAt} zone={zone} />
                </td>
                <td>{a.resolvedAt ? <Time ms={a.resolvedAt} zone={zone} /> : "—"}</td>
                <td>
                  <details>
                    <summary>{(byAlert.get(a.id) ?? []).length} events</summary>
                    <ol>
                      {(byAlert.get(a.id) ?? []).map((e) => (
                        <li>
                          <Time ms={e.at} zone={zone} /> {e.kind}
                          {e.detail ? `: ${e.detail}` : ""}
                        </li>
                      ))}
                    </ol>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>,
  );
});
