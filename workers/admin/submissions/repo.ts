/**
 * Every user's request history for admins: one query over `submissions`, with filters and free
 * text over FTS5 (best match first with a snippet, or newest first), paged by cursor.
 */
import { type SubmissionRow, type SubmissionStatus, submissions } from "../../../shared/db/schema";
import { type Cursor, ftsQuery, SearchSyntaxError, snippetSql } from "../../../shared/fts";
import { normaliseEmail } from "../../auth/service";
import { isFtsSyntaxError, rowMapper } from "../rows";

/** What an admin's request search asks for. */
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
