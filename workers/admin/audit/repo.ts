/**
 * The audit trail's queries: the admin search (filters, free text over FTS5 with a snippet,
 * newest-first or relevance paging) and the walk over every row that the chain check reads.
 */
import { and, asc, desc, eq, gt, gte, lt, lte } from "drizzle-orm";
import { db } from "../../../shared/db/client";
import { type AuditRow, auditLog } from "../../../shared/db/schema";
import { type Cursor, ftsQuery, SearchSyntaxError, snippetSql } from "../../../shared/fts";
import { isFtsSyntaxError, rowMapper } from "../rows";

/** Rows per page of the walk over the whole trail. */
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
