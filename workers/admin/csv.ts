/**
 * CSV downloads of the admin exports (audit trail, request history): RFC 4180 text whose fields
 * a spreadsheet cannot run as formulas, sent as a dated attachment.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";

/** RFC 4180 field: quoted when needed; a leading = + - @ is prefixed so spreadsheets do not run it. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as CSV: the header, then one line per row (CRLF line ends), each field formula-safe. */
export function toCsv<R>(columns: readonly string[], rows: R[], value: (row: R, column: string) => unknown): string {
  const lines = [columns.join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvField(value(row, c))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** `csv` as a download named `<name>-<today's date>.csv`. */
export function csvDownload(c: Context<AppEnv>, name: string, csv: string) {
  return c.body(csv, 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${name}-${new Date().toISOString().slice(0, 10)}.csv"`,
  });
}
