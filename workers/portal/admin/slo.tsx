/**
 * The dashboard's SLO section: every objective of shared/slo/config.ts over 1 hour, 24 hours
 * and 30 days — its value against its target, the error budget left and the burn rate — each
 * an SVG chart (charts.ts) with the same numbers as a table. The figures come from
 * `sloReport` (the request rollup and D1), computed once per page view.
 */
import { raw } from "hono/html";
import type { SloReport } from "../../../shared/slo/compute";
import { SLO_WINDOWS } from "../../../shared/slo/config";
import { barChart } from "./charts";

const WINDOW_COLORS = ["#1d4ed8", "#6d8ff0", "#b6c7f7"];
const pct = (v: number | null, digits = 2) => (v === null ? "—" : `${(v * 100).toFixed(digits)}%`);
const times = (v: number) => `${Math.round(v * 10) / 10}×`;

/** The SLO tables and charts; `report` is `sloReport(env, now)`. */
export function SloSection(props: { report: SloReport[] }) {
  const { report } = props;
  const categories = report.map((r) => r.slo.name);
  const series = (pick: (f: SloReport["windows"][number]["figure"]) => number) =>
    SLO_WINDOWS.map((w, i) => ({
      name: w.label,
      color: WINDOW_COLORS[i] ?? "#1d4ed8",
      values: report.map((r) => pick((r.windows[i] as SloReport["windows"][number]).figure)),
    }));
  const describe = (text: (r: SloReport) => string) => report.map(text).join("; ");
  return (
    <>
      <h2 id="slo">Service level objectives</h2>
      <p class="hint">
        Requests from the request rollup, jobs and deliveries from D1. Firing and past alerts:{" "}
        <a href="/app/admin/alerts">Alerts</a>.
      </p>

      <h3 id="slo-value">Value against target</h3>
      <div class="card">
        {raw(
          barChart({
            id: "chart-slo-bad",
            title: "Bad events per SLO and window, against the share each target allows",
            description: describe(
              (r) =>
                `${r.slo.name}: target ${pct(r.slo.target)}, ${r.windows.map((w) => `${w.label} ${pct(w.figure.value)}`).join(", ")}`,
            ),
            categories,
            series: [
              ...series((f) => (f.value === null ? 0 : (1 - f.value) * 100)),
              { name: "allowed", color: "#b7791f", values: report.map((r) => (1 - r.slo.target) * 100) },
            ],
            format: (v) => `${Math.round(v * 100) / 100}%`,
            zeroText: "No bad events",
          }),
        )}
        <table>
          <caption class="skip">SLO values</caption>
          <thead>
            <tr>
              <th scope="col">SLO</th>
              <th scope="col">Good event</th>
              <th scope="col">Target</th>
              {SLO_WINDOWS.map((w) => (
                <th scope="col">{w.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {report.map((r) => (
              <tr id={`slo-${r.slo.id}`}>
                <th scope="row">{r.slo.name}</th>
                <td>{r.slo.good}</td>
                <td>{pct(r.slo.target, 1)}</td>
                {r.windows.map((w) => (
                  <td>
                    {pct(w.figure.value)}
                    <span class="muted"> ({w.figure.total})</span>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h3 id="slo-budget">Error budget left</h3>
      <div class="card">
        {raw(
          barChart({
            id: "chart-slo-budget",
            title: "Error budget left per SLO (30 days; shorter windows: if their rate held for 30 days)",
            description: describe(
              (r) => `${r.slo.name}: ${r.windows.map((w) => `${w.label} ${pct(w.figure.budgetLeft, 1)}`).join(", ")}`,
            ),
            categories,
            series: series((f) => Math.max(0, f.budgetLeft) * 100),
            max: 100,
            format: (v) => `${Math.round(v)}%`,
            zeroText: "Every budget is spent",
          }),
        )}
        <FigureTable caption="Error budget left" report={report} cell={(f) => pct(f.budgetLeft, 1)} />
      </div>

      <h3 id="slo-burn">Burn rate</h3>
      <div class="card">
        {raw(
          barChart({
            id: "chart-slo-burn",
            title: "Error budget burn rate per SLO and window (1× spends the budget in exactly 30 days)",
            description: describe(
              (r) => `${r.slo.name}: ${r.windows.map((w) => `${w.label} ${times(w.figure.burnRate)}`).join(", ")}`,
            ),
            categories,
            series: series((f) => f.burnRate),
            format: times,
            zeroText: "No budget is being spent",
          }),
        )}
        <FigureTable caption="Burn rate" report={report} cell={(f) => times(f.burnRate)} />
      </div>
    </>
  );
}

function FigureTable(props: {
  caption: string;
  report: SloReport[];
  cell: (f: SloReport["windows"][number]["figure"]) => string;
}) {
  return (
    <table>
      <caption class="skip">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">SLO</th>
          {SLO_WINDOWS.map((w) => (
            <th scope="col">{w.label}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.report.map((r) => (
          <tr>
            <th scope="row">{r.slo.name}</th>
            {r.windows.map((w) => (
              <td>{props.cell(w.figure)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
