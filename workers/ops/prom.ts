/**
 * Writing the Prometheus text exposition format (version 0.0.4): sample lines with escaped
 * label values, metric families with their HELP and TYPE lines, and histograms as cumulative
 * `_bucket{le=…}` lines with `_sum` and `_count`. Shared by every `/metrics` section.
 */

/** One Prometheus sample line: `name{labels} value`. */
export function sample(name: string, labels: Record<string, string>, value: number): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");
  return `${name}${l ? `{${l}}` : ""} ${Number.isFinite(value) ? value : 0}`;
}

/** One metric family: its HELP and TYPE lines, then its samples. */
export function family(name: string, type: "gauge" | "counter" | "histogram", help: string, lines: string[]): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines].join("\n");
}

/** One histogram series: per-bucket (not cumulative) counts against `bounds`, the total count and sum. */
export interface HistogramSeries {
  labels: Record<string, string>;
  /** One count per bound; events above the last bound are `count - Σ buckets`. */
  buckets: readonly number[];
  count: number;
  sum: number;
}

/** The lines of a histogram family's series: cumulative buckets, `+Inf`, `_sum`, `_count`. */
export function histogramLines(name: string, bounds: readonly number[], series: readonly HistogramSeries[]): string[] {
  const lines: string[] = [];
  for (const s of series) {
    let cumulative = 0;
    bounds.forEach((le, i) => {
      cumulative += s.buckets[i] ?? 0;
      lines.push(sample(`${name}_bucket`, { ...s.labels, le: String(le) }, cumulative));
    });
    lines.push(sample(`${name}_bucket`, { ...s.labels, le: "+Inf" }, s.count));
    lines.push(sample(`${name}_sum`, s.labels, s.sum), sample(`${name}_count`, s.labels, s.count));
  }
  return lines;
}
