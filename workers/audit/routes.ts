import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, desc, eq, gt, gte, lt, lte } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { verifyChain } from "../../shared/audit";
import { type AuditRow, auditLog } from "../../shared/db/schema";
import { HttpProblem } from "../../shared/http/problem";
import { authProblems, problem } from "../api/openapi";
import { db } from "../api/submissions/repo";
import { validationHook } from "../api/validation";
import type { AppEnv } from "../app-env";
import { requireApi } from "../auth/middleware";

/** Admin-only: anyone else gets the same 404 as a path that does not exist. */
const adminOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("user").role !== "admin") {
    throw new HttpProblem(404, "not-found", "Not Found", `Nothing is served at ${c.req.method} ${c.req.path}.`);
  }
  await next();
});

const PAGE = 500;

export interface AuditFilter {
  action?: string;
  actorId?: string;
  targetId?: string;
  from?: string;
  to?: string;
  before?: number;
}

/** Audit rows matching `f`, newest first. */
export function searchAudit(d1: D1Database, f: AuditFilter, limit: number): Promise<AuditRow[]> {
  return db(d1)
    .select()
    .from(auditLog)
    .where(
      and(
        f.action ? eq(auditLog.action, f.action) : undefined,
        f.actorId ? eq(auditLog.actorId, f.actorId) : undefined,
        f.targetId ? eq(auditLog.targetId, f.targetId) : undefined,
        f.from ? gte(auditLog.at, Date.parse(f.from)) : undefined,
        f.to ? lte(auditLog.at, Date.parse(f.to)) : undefined,
        f.before ? lt(auditLog.id, f.before) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(limit);
}

/** Every audit row in id order, a page at a time. */
export async function* auditPages(d1: D1Database): AsyncGenerator<AuditRow[]> {
  const d = db(d1);
  let after = 0;
  for (;;) {
    const page = await d.select().from(auditLog).where(gt(auditLog.id, after)).orderBy(asc(auditLog.id)).limit(PAGE);
    if (page.length === 0) return;
    yield page;
    after = page.at(-1)?.id ?? after;
  }
}

const AuditEntry = z
  .object({
    id: z.number().int(),
    at: z.iso.datetime(),
    actorType: z.string(),
    actorId: z.string().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    ip: z.string().nullable().openapi({ description: "Truncated to /24 (IPv4) or /48 (IPv6)." }),
    userAgent: z.string().nullable(),
    correlationId: z.string().nullable(),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
    hash: z.string(),
  })
  .openapi("AuditEntry");

/** `/v1/admin/audit`: search the trail and verify its chain. */
export const auditRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "Search the audit trail",
      description: "Newest first. Filters combine; `before` is the `id` to continue below (cursor).",
      tags: ["Admin"],
      security: [{ bearerAuth: [] }],
      middleware: [requireApi("admin:read"), adminOnly] as const,
      request: {
        query: z.object({
          action: z.string().max(100).optional(),
          actorId: z.string().max(100).optional(),
          targetId: z.string().max(100).optional(),
          from: z.iso.datetime().optional().openapi({ description: "Earliest time (ISO 8601)." }),
          to: z.iso.datetime().optional().openapi({ description: "Latest time (ISO 8601)." }),
          before: z.coerce.number().int().positive().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
      responses: {
        200: {
          description: "Entries.",
          content: {
            "application/json": {
              schema: z.object({ items: z.array(AuditEntry), nextBefore: z.number().int().nullable() }),
            },
          },
        },
        ...authProblems("admin:read"),
        404: problem("Not an admin."),
        422: problem("A query parameter is invalid."),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const rows = await searchAudit(c.env.DB, q, q.limit + 1);
      const page = rows.slice(0, q.limit);
      return c.json(
        {
          items: page.map((r) => ({
            ...r,
            at: new Date(r.at).toISOString(),
            before: r.before ? JSON.parse(r.before) : null,
            after: r.after ? JSON.parse(r.after) : null,
          })),
          nextBefore: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null,
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
        200: {
          description: "The verdict.",
          content: {
            "application/json": {
              schema: z.object({
                ok: z.boolean(),
                rows: z.number().int(),
                head: z.object({ id: z.number().int(), hash: z.string() }).nullable(),
                broken: z.object({ id: z.number().int(), reason: z.string() }).optional(),
              }),
            },
          },
        },
        ...authProblems("admin:read"),
        404: problem("Not an admin."),
      },
    }),
    async (c) => c.json(await verifyChain(auditPages(c.env.DB)), 200),
  );
