import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, desc, eq, gt, gte, lt, lte } from "drizzle-orm";
import { verifyChain } from "../../shared/audit";
import { db } from "../../shared/db/client";
import { type AuditRow, auditLog } from "../../shared/db/schema";
import {
  type Cursor,
  decodeCursor,
  encodeCursor,
  ftsQuery,
  SearchSyntaxError,
  snippetHtml,
  snippetSql,
} from "../../shared/fts";
import { isFtsSyntaxError, rowMapper } from "../admin/rows";
import { authProblems, problem } from "../api/openapi";
import { validationHook } from "../api/validation";
import type { AppEnv } from "../app-env";
import { adminOnly, requireApi } from "../auth/middleware";

const PAGE = 500;

export interface AuditFilter {
  action?: string;
  actorId?: string;
  targetId?: string;
  from?: string;
  to?: string;
  /** Only rows with a smaller id (the newest-first cursor). */
  before?: number;
  /** Free text over action, actor, target, correlation id and before/after (FTS5). */
  q?: string;
  /** With `q`: best match first (default) or newest first. */
  sort?: "relevance" | "newest";
  /** Rows to skip (the relevance cursor). */
  offset?: number;
}

/** An audit row found by a search; `snippet` marks the matched words (with `q` only). */
export type AuditHit = AuditRow & { snippet: string | null };

const auditRow = rowMapper(auditLog);

/**
 * Audit rows matching `f`: newest first, or with `q` best match first. Returns one page and the
 * cursor of the next (null on the last page).
 */
export async function searchAudit(
  d1: D1Database,
  f: AuditFilter,
  limit: number,
): Promise<{ rows: AuditHit[]; next: Cursor | null }> {
  if (f.offset !== undefined && (!f.q || f.sort === "newest")) {
    throw new SearchSyntaxError("The cursor belongs to a search by relevance; start again without it.");
  }
  if (!f.q) {
    const rows = await db(d1)
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
      .limit(limit + 1);
    const page = rows.slice(0, limit).map((r) => ({ ...r, snippet: null }));
    const last = page.at(-1);
    return { rows: page, next: rows.length > limit && last ? { before: last.id } : null };
  }
  const where = ["audit_search MATCH ?"];
  const binds: (string | number)[] = [ftsQuery(f.q)];
  const add = (clause: string, value: string | number | undefined) => {
    if (value === undefined || value === "") return;
    where.push(clause);
    binds.push(value);
  };
  add("a.action = ?", f.action);
  add("a.actor_id = ?", f.actorId);
  add("a.target_id = ?", f.targetId);
  add("a.at >= ?", f.from ? Date.parse(f.from) : undefined);
  add("a.at <= ?", f.to ? Date.parse(f.to) : undefined);
  add("a.id < ?", f.before);
  const newest = f.sort === "newest";
  const offset = newest ? 0 : (f.offset ?? 0);
  let found: Record<string, unknown>[];
  try {
    const result = await d1
      .prepare(
        `SELECT a.*, ${snippetSql("audit_search")} AS snippet
         FROM audit_search JOIN audit_log AS a ON a.id = audit_search.rowid
         WHERE ${where.join(" AND ")}
         ORDER BY ${newest ? "a.id DESC" : "audit_search.rank, a.id DESC"}
         LIMIT ? OFFSET ?`,
      )
      .bind(...binds, limit + 1, offset)
      .all<Record<string, unknown>>();
    found = result.results;
  } catch (error) {
    if (isFtsSyntaxError(error)) throw new SearchSyntaxError("The search text could not be read.", error);
    throw error;
  }
  const page = found.slice(0, limit).map((r) => ({ ...auditRow(r), snippet: (r.snippet as string | null) ?? null }));
  const last = page.at(-1);
  const more = found.length > limit && last;
  return {
    rows: page,
    next: more ? (newest ? { before: last.id } : { offset: offset + limit }) : null,
  };
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
    snippet: z.string().nullable().openapi({
      description:
        "With `q`: the best-matching text, HTML-escaped, each matched word in `<mark>…</mark>`; otherwise null.",
    }),
  })
  .openapi("AuditEntry");

/** `q`, `sort` and `cursor`: the free-text part of an admin search's query string. */
export const searchQuery = {
  q: z.string().max(200).optional().openapi({
    description:
      "Free text (FTS5). Every word must match; a trailing `*` matches a prefix (`sign*`). Quotes and operators are matched as text. Diacritics are ignored.",
    example: "role_changed admin",
  }),
  sort: z
    .enum(["relevance", "newest"])
    .optional()
    .openapi({ description: "With `q`: best match first (default) or newest first. Without `q`: always newest." }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "`nextCursor` of the previous page, unchanged. A cursor belongs to its query." }),
};

/** The filter's row-position part from an API cursor (400 bad-search if it is not ours). */
export function cursorFilter(token: string | undefined, key: "number"): { offset?: number; before?: number };
export function cursorFilter(token: string | undefined, key: "string"): { offset?: number; before?: string };
export function cursorFilter(
  token: string | undefined,
  key: "number" | "string",
): { offset?: number; before?: number | string } {
  if (!token) return {};
  const cursor = decodeCursor(token);
  if ("offset" in cursor) return { offset: cursor.offset };
  if (typeof cursor.before !== key) throw new SearchSyntaxError("The cursor is not one this API issued.");
  return { before: cursor.before };
}

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
      request: {
        query: z.object({
          action: z.string().max(100).optional(),
          actorId: z.string().max(100).optional(),
          targetId: z.string().max(100).optional(),
          from: z.iso.datetime().optional().openapi({ description: "Earliest time (ISO 8601)." }),
          to: z.iso.datetime().optional().openapi({ description: "Latest time (ISO 8601)." }),
          before: z.coerce.number().int().positive().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          ...searchQuery,
        }),
      },
      responses: {
        200: {
          description: "Entries.",
          content: {
            "application/json": {
              schema: z.object({
                items: z.array(AuditEntry),
                nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page." }),
                nextBefore: z.number().int().nullable().openapi({ description: "Newest-first lists only." }),
              }),
            },
          },
        },
        400: problem("The search text has nothing to look for, or the cursor is not one this API issued."),
        ...authProblems("admin:read"),
        404: problem("Not an admin."),
        422: problem("A query parameter is invalid."),
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
