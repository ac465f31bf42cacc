/**
 * Server-rendered SVG charts for the admin dashboard: no client library and no script, so they
 * work under the portal's CSP (colours are SVG presentation attributes, not inline styles).
 * Each chart is an `<svg role="img">` with a `<title>` and `<desc>`; every bar carries its own
 * `<title>` (a tooltip and a screen-reader label). The page shows the same numbers as a table.
 * Every label is escaped here, so a hostile step or provider name stays text.
 */
import { escapeHtml } from "../../../shared/html";

export interface Series {
  name: string;
  /** Any SVG paint: a colour such as `#0f7b3f`. */
  color: string;
  /** One value per category; missing, negative and non-finite values count as 0. */
  values: number[];
}

export interface BarChartSpec {
  /** Unique on the page: the ids of the `<title>` and `<desc>` derive from it. */
  id: string;
  title: string;
  description: string;
  categories: string[];
  series: Series[];
  /** Stack the series in one bar per category, or set them side by side. */
  stacked?: boolean;
  /** A fixed top of the scale (e.g. 100 for percentages); default: a round number above the data. */
  max?: number;
  /** How values read on the axis and in tooltips (default: up to 2 decimals). */
  format?: (value: number) => string;
  /** Counts: ticks at whole numbers only. */
  integer?: boolean;
  /** Shown when there are categories but every value is 0 (default: the no-data text). */
  zeroText?: string;
  /** Label every n-th category only, so dense axes stay legible (default: about 12 labels). */
  labelEvery?: number;
  width?: number;
  height?: number;
}

const clean = (v: number | undefined) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);
const defaultFormat = (v: number) => String(Math.round(v * 100) / 100);
const r1 = (v: number) => Math.round(v * 10) / 10;

/**
 * The top of a value axis: the first multiple at or above `max` of a round step (1, 2, 2.5 or
 * 5 × 10ⁿ, at most `maxTicks` steps), and its ticks from 0; 0–1 for an empty or all-zero chart.
 */
export function niceScale(max: number, maxTicks = 5, integer = false): { top: number; ticks: number[] } {
  const m = clean(max);
  if (m === 0) return { top: 1, ticks: [0, 1] };
  const rough = m / maxTicks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const nice = ([1, 2, 2.5, 5, 10].find((f) => f * power >= rough) ?? 10) * power;
  // Counts step by whole numbers (2.5 × 10ⁿ only from 25 up).
  const step = integer ? Math.max(1, nice === 2.5 ? 3 : Math.ceil(nice)) : nice;
  const top = Math.ceil(m / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = 0; t <= top + step / 2; t += step) ticks.push(Math.round(t * 1e9) / 1e9);
  return { top: ticks.at(-1) ?? top, ticks };
}

/** A safe id fragment: letters, digits and dashes only. */
const idOf = (id: string) => id.replace(/[^A-Za-z0-9-]/g, "-") || "chart";

/** A vertical bar chart (stacked or grouped) as an SVG string. */
export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 260;
  const format = spec.format ?? defaultFormat;
  const id = idOf(spec.id);
  const n = spec.categories.length;
  const values = spec.series.map((s) => spec.categories.map((_, i) => clean(s.values[i])));
  const totals = spec.categories.map((_, i) => values.reduce((sum, v) => sum + (v[i] ?? 0), 0));
  const dataMax = spec.stacked ? Math.max(0, ...totals) : Math.max(0, ...values.flat());
  const { top, ticks } = spec.max
    ? { top: spec.max, ticks: niceScale(spec.max).ticks }
    : niceScale(dataMax, 5, spec.integer);
  const left = 52;
  const right = 12;
  const legendH = spec.series.length > 0 ? 22 : 0;
  const topPad = 10 + legendH;
  const bottom = 34;
  const plotW = width - left - right;
  const plotH = height - topPad - bottom;
  const y = (v: number) => topPad + plotH - (Math.min(v, top) / top) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="${id}-title ${id}-desc">`,
    `<title id="${id}-title">${escapeHtml(spec.title)}</title>`,
    `<desc id="${id}-desc">${escapeHtml(spec.description)}</desc>`,
  );
  // Legend.
  let lx = left;
  for (const s of spec.series) {
    parts.push(
      `<rect x="${lx}" y="6" width="12" height="12" fill="${escapeHtml(s.color)}"/>`,
      `<text x="${lx + 16}" y="16" font-size="12" fill="#17202a">${escapeHtml(s.name)}</text>`,
    );
    lx += 28 + Math.min(s.name.length, 24) * 7;
  }
  // Grid and value axis.
  for (const t of ticks) {
    const ty = r1(y(t));
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${ty}" y2="${ty}" stroke="#e1e5ea"/>`,
      `<text x="${left - 6}" y="${r1(ty + 4)}" font-size="11" text-anchor="end" fill="#5b6470">${escapeHtml(format(t))}</text>`,
    );
  }
  if (n === 0 || dataMax === 0) {
    const text = n > 0 && spec.zeroText ? spec.zeroText : "No data in this range";
    parts.push(
      `<text x="${r1(left + plotW / 2)}" y="${r1(topPad + plotH / 2)}" font-size="14" text-anchor="middle" fill="#5b6470">${escapeHtml(text)}</text>`,
    );
  }
  if (n > 0) {
    const band = plotW / n;
    const gap = Math.min(band * 0.2, 8);
    const every = spec.labelEvery ?? Math.max(1, Math.ceil(n / 12));
    // Few categories: bars keep a readable width instead of filling the plot.
    const bw = Math.min(band - gap, 96);
    spec.categories.forEach((category, i) => {
      const x0 = left + i * band + (band - bw) / 2;
      let base = 0;
      values.forEach((vs, si) => {
        const v = vs[i] ?? 0;
        const s = spec.series[si] as Series;
        const barX = spec.stacked ? x0 : x0 + (bw / spec.series.length) * si;
        const barW = spec.stacked ? bw : bw / spec.series.length;
        const yTop = y(base + v);
        const h = y(base) - yTop;
        if (spec.stacked) base += v;
        if (v <= 0) return;
        parts.push(
          `<rect x="${r1(barX)}" y="${r1(yTop)}" width="${r1(Math.max(barW, 1))}" height="${r1(Math.max(h, 1))}" fill="${escapeHtml(s.color)}">`,
          `<title>${escapeHtml(`${category} — ${s.name}: ${format(v)}`)}</title></rect>`,
        );
      });
      if (i % every === 0) {
        parts.push(
          `<text x="${r1(x0 + bw / 2)}" y="${height - bottom + 16}" font-size="11" text-anchor="middle" fill="#5b6470">${escapeHtml(category)}</text>`,
        );
      }
    });
  }
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${r1(y(0))}" y2="${r1(y(0))}" stroke="#5b6470"/>`, "</svg>");
  return parts.join("");
}
