import type { AuditRow } from "../../shared/db/schema";

const COLUMNS = [
  "id",
  "at",
  "actorType",
  "actorId",
  "action",
  "targetType",
  "targetId",
  "ip",
  "userAgent",
  "correlationId",
  "before",
  "after",
  "hash",
] as const;

/** RFC 4180 field: quoted when needed; a leading = + - @ is prefixed so spreadsheets do not run it. */
export function csvField(value: unknown): string {
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

/** Audit rows as CSV (header first, CRLF line ends, times in ISO 8601). */
export function auditCsv(rows: AuditRow[]): string {
  return toCsv(COLUMNS, rows, (row, c) =>
    c === "at" ? new Date(row.at).toISOString() : row[c as (typeof COLUMNS)[number]],
  );
}
