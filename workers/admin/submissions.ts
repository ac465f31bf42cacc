import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { SUBMISSION_STATUSES, type SubmissionRow, type SubmissionStatus, submissions } from "../../shared/db/schema";
import {
  type Cursor,
  encodeCursor,
  ftsQuery,
  SearchSyntaxError,
  snippetHtml,
  snippetSql,
  snippetText,
} from "../../shared/fts";
import { authProblems, problem } from "../api/openapi";
import { validationHook } from "../api/validation";
import type { AppEnv } from "../app-env";
import { toCsv } from "../audit/csv";
import { audit } from "../audit/record";
import { cursorFilter, searchQuery } from "../audit/routes";
import { adminOnly, requireApi } from "../auth/middleware";
import { normaliseEmail } from "../auth/service";
import { isFtsSyntaxError, rowMapper } from "./rows";

/** The most rows one CSV export carries; narrow the filter for more. */
export const SUBMISSIONS_CSV_MAX = 10_000;

export interface SubmissionFilter {
  /** Free text over id, owner address, status, text excerpt, summary and failure reason (FTS5). */
  q?: string;
  status?: SubmissionStatus;
  /** A user id (`usr_…`) or the owner's address. */
  owner?: string;
  from?: string;
  to?: string;
  sort?: "relevance" | "newest";
  /** Newest-first cursor: only ids below this one. */
  before?: string;
  /** Relevance cursor: rows to skip. */
  offset?: number;
}

/** A submission found by an admin search; `snippet` marks the matched words (with `q` only). */
export type SubmissionHit = SubmissionRow & { snippet: string | null };

const submissionRow = rowMapper(submissions);

/**
 * Every user's submissions matching `f`: newest first, or with `q` best match first. One page
 * and the cursor of the next (null on the last page). Ids are time-sorted, so newest-first
 * pages continue below the last id.
 */
export async function searchSubmissions(
  d1: D1Database,
  f: SubmissionFilter,
  limit: number,
): Promise<{ rows: SubmissionHit[]; next: Cursor | null }> {
  const where: string[] = [];
  const binds: (string | number)[] = [];
  const add = (clause: string, value: string | number | undefined) => {
    if (value === undefined || value === "") return;
    where.push(clause);
    binds.push(value);
  };
  const text = f.q?.trim() ? ftsQuery(f.q) : undefined;
  add("submissions_search MATCH ?", text);
  add("s.status = ?", f.status);
  if (f.owner) {
    if (/^usr_/.test(f.owner)) add("s.user_id = ?", f.owner);
    else add("s.email = ?", normaliseEmail(f.owner));
  }
  add("s.created_at >= ?", f.from ? Date.parse(f.from) : undefined);
  add("s.created_at <= ?", f.to ? Date.parse(f.to) : undefined);
  add("s.id < ?", f.before);
  const relevance = text !== undefined && f.sort !== "newest";
  if (f.offset !== undefined && !relevance) {
    throw new SearchSyntaxError("The cursor belongs to a search by relevance; start again without it.");
  }
  const offset = relevance ? (f.offset ?? 0) : 0;
  const sql = text
    ? `SELECT s.*, ${snippetSql("submissions_search")} AS snippet
       FROM submissions_search JOIN submissions AS s ON s.rowid = submissions_search.rowid`
    : "SELECT s.*, NULL AS snippet FROM submissions AS s";
  let found: Record<string, unknown>[];
  try {
    const result = await d1
      .prepare(
        `${sql}${where.length ? ` WHERE ${where.join(" AND ")}` : ""}
         ORDER BY ${relevance ? "submissions_search.rank, s.id DESC" : "s.id DESC"} LIMIT ? OFFSET ?`,
      )
      .bind(...binds, limit + 1, offset)
      .all<Record<string, unknown>>();
    found = result.results;
  } catch (error) {
    if (isFtsSyntaxError(error)) throw new SearchSyntaxError("The search text could not be read.", error);
    throw error;
  }
  const page = found
    .slice(0, limit)
    .map((r) => ({ ...submissionRow(r), snippet: (r.snippet as string | null) ?? null }));
  const last = page.at(-1);
  const more = found.length > limit && last;
  return { rows: page, next: more ? (relevance ? { offset: offset + limit } : { before: last.id }) : null };
}

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
export function submissionsCsv(rows: SubmissionHit[]): string {
  return toCsv(CSV_COLUMNS, rows, (r, c) => {
    if (c === "createdAt" || c === "updatedAt" || c === "completedAt") return iso(r[c]);
    if (c === "snippet") return snippetText(r.snippet);
    return r[c as keyof SubmissionHit];
  });
}

const AdminSubmission = z
  .object({
    id: z.string(),
    status: z.enum(SUBMISSION_STATUSES),
    source: z.enum(["api", "portal", "email"]),
    userId: z.string().nullable(),
    email: z.string().openapi({ description: "The owner's address when the request was made." }),
    workflow: z.string(),
    textChars: z.number().int(),
    excerpt: z.string().nullable().openapi({ description: "The first characters of the request text." }),
    summary: z.string().nullable(),
    error: z.string().nullable(),
    requestId: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
    snippet: z.string().nullable().openapi({
      description:
        "With `q`: the best-matching text, HTML-escaped, each matched word in `<mark>…</mark>`; otherwise null.",
    }),
  })
  .openapi("AdminSubmission");

const filterQuery = z.object({
  status: z.enum(SUBMISSION_STATUSES).optional().openapi({ description: "Only submissions in this state." }),
  owner: z.string().max(254).optional().openapi({ description: "The owner: a user id (`usr_…`) or an email address." }),
  from: z.iso.datetime().optional().openapi({ description: "Created at or after (ISO 8601)." }),
  to: z.iso.datetime().optional().openapi({ description: "Created at or before (ISO 8601)." }),
  ...searchQuery,
});

const errors = {
  400: problem("The search text has nothing to look for, or the cursor is not one this API issued."),
  ...authProblems("admin:read"),
  404: problem("Not an admin."),
  422: problem("A query parameter is invalid."),
};

/** `/v1/admin/submissions`: every user's request history, searchable, and its CSV export. */
export const adminSubmissionsRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "Search every user's requests",
      description:
        "Newest first, or with `q` best match first with a highlighted `snippet`. `q` searches the id, the owner's address, the status, the start of the request text, the summary and the failure reason. Page on with `cursor` = the previous `nextCursor`.",
      tags: ["Admin"],
      security: [{ bearerAuth: [] }],
      middleware: [requireApi("admin:read"), adminOnly] as const,
      request: {
        query: filterQuery.extend({
          limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: "Page size (1–200)." }),
        }),
      },
      responses: {
        200: {
          description: "One page.",
          content: {
            "application/json": {
              schema: z.object({
                items: z.array(AdminSubmission),
                nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page." }),
              }),
            },
          },
        },
        ...errors,
      },
    }),
    async (c) => {
      const { cursor, limit, ...q } = c.req.valid("query");
      const { rows, next } = await searchSubmissions(c.env.DB, { ...q, ...cursorFilter(cursor, "string") }, limit);
      return c.json(
        {
          items: rows.map((r) => ({
            id: r.id,
            status: r.status,
            source: r.source,
            userId: r.userId,
            email: r.email,
            workflow: r.workflow,
            textChars: r.textChars,
            excerpt: r.excerpt,
            summary: r.summary,
            error: r.error,
            requestId: r.correlationId,
            createdAt: new Date(r.createdAt).toISOString(),
            updatedAt: new Date(r.updatedAt).toISOString(),
            completedAt: iso(r.completedAt),
            snippet: snippetHtml(r.snippet),
          })),
          nextCursor: next ? encodeCursor(next) : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/export",
      summary: "Export every user's requests as CSV",
      description: `The same filters as the search, up to ${SUBMISSIONS_CSV_MAX} rows, as RFC 4180 CSV. Fields that a spreadsheet would run as a formula (leading \`=\`, \`+\`, \`-\`, \`@\`) are prefixed with \`'\`. The export is recorded in the audit trail.`,
      tags: ["Admin"],
      security: [{ bearerAuth: [] }],
      middleware: [requireApi("admin:read"), adminOnly] as const,
      request: { query: filterQuery.omit({ cursor: true }) },
      responses: {
        200: { description: "CSV, header first.", content: { "text/csv": { schema: z.string() } } },
        ...errors,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const { rows } = await searchSubmissions(c.env.DB, q, SUBMISSIONS_CSV_MAX);
      await audit(c, { action: "admin.exported_submissions", after: { rows: rows.length, filter: q } });
      return c.body(submissionsCsv(rows), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="statex-requests-${new Date().toISOString().slice(0, 10)}.csv"`,
      });
    },
  );
