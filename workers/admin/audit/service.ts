/**
 * What the admin surfaces do with the audit trail beyond a search: the CSV export, which is
 * itself put on the record.
 */
import type { Context } from "hono";
import type { AuditRow } from "../../../shared/db/schema";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { csvDownload, toCsv } from "../csv";
import { type AuditFilter, searchAudit } from "./repo";

/** The most rows one audit CSV export carries; narrow the filter for more. */
const AUDIT_CSV_MAX = 10_000;

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

/** Audit rows as CSV (header first, CRLF line ends, times in ISO 8601). */
function auditCsv(rows: AuditRow[]): string {
  return toCsv(COLUMNS, rows, (row, c) =>
    c === "at" ? new Date(row.at).toISOString() : row[c as (typeof COLUMNS)[number]],
  );
}

/**
 * The audit rows matching `filter` (its paging left out, up to AUDIT_CSV_MAX rows) as a CSV
 * download. The export is recorded with the filter as asked, less the relevance offset.
 */
export async function exportAudit(c: Context<AppEnv>, filter: AuditFilter) {
  const { rows } = await searchAudit(c.env.DB, { ...filter, before: undefined, offset: undefined }, AUDIT_CSV_MAX);
  await audit(c, {
    action: "admin.exported_audit",
    after: { rows: rows.length, filter: { ...filter, offset: undefined } },
  });
  return csvDownload(c, "statex-audit", auditCsv(rows));
}
