/**
 * `/v1/admin/audit`, HTTP only: the audit search and the chain check, for admins with
 * `admin:read`. The queries live in repo.ts, the contract in schemas.ts.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { verifyChain } from "../../../shared/audit-chain";
import { encodeCursor, snippetHtml } from "../../../shared/fts";
import { authProblems, problem } from "../../api/openapi";
import { validationHook } from "../../api/validation";
import type { AppEnv } from "../../app-env";
import { adminOnly, requireApi } from "../../auth/middleware";
import { cursorFilter, searchProblems } from "../schemas";
import { auditPages, searchAudit } from "./repo";
import { AuditPage, AuditQuery, ChainVerdictSchema } from "./schemas";

/** `/v1/admin/audit`: search the trail and verify its chain. */
export const auditRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "Search the audit trail",
      description:
        "Newest first, or with `q` best match first with a highlighted `snippet`. Filters combine. Page on with `cursor` = the previous `nextCursor` (`before`, the `id` to continue below, still works for newest-first lists).",
      tags: ["Admin"],
      security: [{ bearerAuth: [] }],
      middleware: [requireApi("admin:read"), adminOnly] as const,
      request: { query: AuditQuery },
      responses: {
        200: { description: "Entries.", content: { "application/json": { schema: AuditPage } } },
        ...searchProblems,
      },
    }),
    async (c) => {
      const { cursor, ...q } = c.req.valid("query");
      const { rows, next } = await searchAudit(c.env.DB, { ...q, ...cursorFilter(cursor, "number") }, q.limit);
      return c.json(
        {
          items: rows.map((r) => ({
            ...r,
            at: new Date(r.at).toISOString(),
            before: r.before ? JSON.parse(r.before) : null,
            after: r.after ? JSON.parse(r.after) : null,
            snippet: snippetHtml(r.snippet),
          })),
          nextCursor: next ? encodeCursor(next) : null,
          nextBefore: next && "before" in next ? Number(next.before) : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/verify",
      summary: "Verify the audit chain",
      description:
        "Walks every row; reports the first row that is edited, or whose predecessor was removed or inserted.",
      tags: ["Admin"],
      security: [{ bearerAuth: [] }],
      middleware: [requireApi("admin:read"), adminOnly] as const,
      responses: {
        200: { description: "The verdict.", content: { "application/json": { schema: ChainVerdictSchema } } },
        ...authProblems("admin:read"),
        404: problem("Not an admin."),
      },
    }),
    async (c) => c.json(await verifyChain(auditPages(c.env.DB)), 200),
  );
