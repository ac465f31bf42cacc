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
function field(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "number" ? String(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Audit rows as CSV (header first, CRLF line ends, times in ISO 8601). */
export function auditCsv(rows: AuditRow[]): string {
  const lines = [COLUMNS.join(",")];
  for (const row of rows) {
    lines.push(COLUMNS.map((c) => field(c === "at" ? new Date(row.at).toISOString() : row[c])).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}
