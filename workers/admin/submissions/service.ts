/**
 * What the admin API and the portal's request history both do with every user's requests beyond
 * a search: the CSV export, which is itself put on the record.
 */
import type { Context } from "hono";
import { snippetText } from "../../../shared/fts";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { csvDownload, toCsv } from "../csv";
import { type SubmissionFilter, type SubmissionHit, searchSubmissions } from "./repo";

/** The most rows one CSV export carries; narrow the filter for more. */
export const SUBMISSIONS_CSV_MAX = 10_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const CSV_COLUMNS = [
  "id",
  "status",
  "source",
  "userId",
  "email",
  "workflow",
  "textChars",
  "excerpt",
  "summary",
  "error",
  "aiProvider",
  "correlationId",
  "createdAt",
  "updatedAt",
  "completedAt",
  "snippet",
] as const;

/** Submissions as CSV: formula-safe fields, times in ISO 8601, the snippet as plain text. */
function submissionsCsv(rows: SubmissionHit[]): string {
  return toCsv(CSV_COLUMNS, rows, (r, c) => {
    if (c === "createdAt" || c === "updatedAt" || c === "completedAt") return iso(r[c]);
    if (c === "snippet") return snippetText(r.snippet);
    return r[c as keyof SubmissionHit];
  });
}

/**
 * Every user's requests matching `filter` (its paging left out, up to SUBMISSIONS_CSV_MAX rows)
 * as a CSV download; the export is recorded with its filter.
 */
export async function exportSubmissions(c: Context<AppEnv>, filter: SubmissionFilter) {
  const whole = { ...filter, before: undefined, offset: undefined };
  const { rows } = await searchSubmissions(c.env.DB, whole, SUBMISSIONS_CSV_MAX);
  await audit(c, { action: "admin.exported_submissions", after: { rows: rows.length, filter: whole } });
  return csvDownload(c, "statex-requests", submissionsCsv(rows));
}
