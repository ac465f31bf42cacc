/**
 * `/v1/admin/submissions`, HTTP only: every user's request history, searchable, and its CSV
 * export, for admins with `admin:read`. The query lives in repo.ts, the export in service.ts.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { encodeCursor, snippetHtml } from "../../../shared/fts";
import { validationHook } from "../../api/validation";
import type { AppEnv } from "../../app-env";
import { adminOnly, requireApi } from "../../auth/middleware";
import { cursorFilter, searchProblems } from "../schemas";
import { searchSubmissions } from "./repo";
import { AdminSubmissionPage, SubmissionExportQuery, SubmissionSearchQuery } from "./schemas";
import { exportSubmissions, SUBMISSIONS_CSV_MAX } from "./service";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

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
      request: { query: SubmissionSearchQuery },
      responses: {
        200: { description: "One page.", content: { "application/json": { schema: AdminSubmissionPage } } },
        ...searchProblems,
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
      request: { query: SubmissionExportQuery },
      responses: {
        200: { description: "CSV, header first.", content: { "text/csv": { schema: z.string() } } },
        ...searchProblems,
      },
    }),
    async (c) => exportSubmissions(c, c.req.valid("query")),
  );
