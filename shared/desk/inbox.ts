/**
 * The desk's inbox: every request from every intake, one page at a time, with the counts its
 * status tabs show. One query over `submissions` (the desk's state lives on the row), joined to
 * the FTS5 index `submissions_search` only when there is search text, and to `users` for the
 * customer's and the assignee's names.
 *
 * Hostile input is settled before any SQL: `inboxQueryOf` reads a query string into a filter
 * of known values only (an unknown status, sort or channel is the default, a long value is
 * cut), search text goes through `ftsQuery` (no FTS5 syntax survives), and a page cursor is
 * checked field by field. Each statement binds at most 8 parameters, whatever the input.
 *
 * Paging is by keyset, never by offset: the cursor carries the last row's sort key and id, and
 * the next page continues strictly after it (SQLite row values), so rows that change status or
 * arrive meanwhile never repeat or skip a row already passed.
 */
import { DESK_STATUSES, type DeskStatus, type SubmissionRow } from "../db/schema";
import { ftsQuery, SearchSyntaxError, snippetSql } from "../fts";
import { SUBMISSION_ID_PATTERN } from "../ids";

/** The inbox's tabs: a desk status, every request not resolved (the default), or all. */
export const INBOX_TABS = ["unresolved", ...DESK_STATUSES, "all"] as const;
export type InboxTab = (typeof INBOX_TABS)[number];

/**
 * Orders: the customer who has waited longest for a person first (requests whose customer
 * has the next word — `waiting`, `resolved` — after them), newest, oldest, latest activity.
 */
export const INBOX_SORTS = ["waiting", "newest", "oldest", "activity"] as const;
export type InboxSort = (typeof INBOX_SORTS)[number];

export const INBOX_CHANNELS = ["portal", "api", "email"] as const satisfies readonly SubmissionRow["source"][];
export type InboxChannel = (typeof INBOX_CHANNELS)[number];

/** Rows per page. */
export const INBOX_PAGE = 25;
/** The longest search text read; more is cut, not refused. */
export const MAX_INBOX_QUERY_CHARS = 200;

const USER_ID = /^usr_[A-Za-z0-9]{1,40}$/;

/** Whose requests: anyone's, the viewer's, nobody's, or one member's (`usr_…`). */
export type InboxAssignee = { kind: "any" } | { kind: "unassigned" } | { kind: "member"; id: string; me: boolean };

export interface InboxQuery {
  tab: InboxTab;
  assignee: InboxAssignee;
  channel?: InboxChannel;
  q?: string;
  sort: InboxSort;
  /** The cursor token of the page to show (from `next` of the page before). */
  cursor?: string;
}

export interface InboxRow {
  id: string;
  jobStatus: SubmissionRow["status"];
  deskStatus: DeskStatus;
  channel: SubmissionRow["source"];
  customerEmail: string;
  customerName: string | null;
  assigneeId: string | null;
  assigneeName: string | null;
  assigneeEmail: string | null;
  excerpt: string | null;
  /** With search text: the matched words, marked (`snippetHtml` renders it). */
  snippet: string | null;
  createdAt: number;
  lastCustomerAt: number;
  lastMessageAt: number;
  reviewPolicy: SubmissionRow["reviewPolicy"];
}

export interface InboxPage {
  rows: InboxRow[];
  /** The cursor of the next page; null on the last. */
  next: string | null;
  /** Requests per desk status under the same assignee, channel and search (the tabs' counts). */
  counts: Record<DeskStatus, number>;
}

const pickOf = <T extends string>(values: readonly T[], v: string | null | undefined): T | undefined =>
  (values as readonly string[]).includes(v ?? "") ? (v as T) : undefined;

/**
 * The inbox query of a request's query string, for viewer `meId`. Never throws: every value
 * that is not one the inbox knows reads as its default. (A cursor is checked when it is used.)
 */
export function inboxQueryOf(get: (name: string) => string | undefined, meId: string): InboxQuery {
  const assigneeParam = get("assignee")?.trim().slice(0, 64) ?? "";
  const assignee: InboxAssignee =
    assigneeParam === "me"
      ? { kind: "member", id: meId, me: true }
      : assigneeParam === "unassigned"
        ? { kind: "unassigned" }
        : USER_ID.test(assigneeParam)
          ? { kind: "member", id: assigneeParam, me: assigneeParam === meId }
          : { kind: "any" };
  const q = get("q")?.slice(0, MAX_INBOX_QUERY_CHARS).trim();
  const cursor = get("cursor")?.trim();
  return {
    tab: pickOf(INBOX_TABS, get("status")) ?? "unresolved",
    assignee,
    channel: pickOf(INBOX_CHANNELS, get("channel")),
    q: q || undefined,
    sort: pickOf(INBOX_SORTS, get("sort")) ?? "waiting",
    // A real cursor is ~100 characters; a longer one is not ours (and is refused when read).
    cursor: cursor ? cursor.slice(0, 400) : undefined,
  };
}

/** Each order's key (SQL over `s`), and its direction; the row's id breaks ties the same way. */
const ORDERS: Record<InboxSort, { keys: string[]; dir: "ASC" | "DESC" }> = {
  waiting: {
    keys: [
      "CASE WHEN s.desk_status IN ('new', 'open') THEN 0 ELSE 1 END",
      "COALESCE(s.last_customer_at, s.created_at)",
    ],
    dir: "ASC",
  },
  newest: { keys: ["s.created_at"], dir: "DESC" },
  oldest: { keys: ["s.created_at"], dir: "ASC" },
  activity: { keys: ["COALESCE(s.last_message_at, s.last_customer_at, s.created_at)"], dir: "DESC" },
};

interface Cursor {
  sort: InboxSort;
  keys: number[];
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return btoa(JSON.stringify([cursor.sort, cursor.keys, cursor.id]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** A cursor this inbox made for `sort`; anything else is refused (400), never trusted. */
function decodeCursor(token: string, sort: InboxSort): Cursor {
  let value: unknown;
  try {
    value = JSON.parse(atob(token.replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    value = null;
  }
  if (Array.isArray(value) && value.length === 3) {
    const [s, keys, id] = value as unknown[];
    if (
      s === sort &&
      Array.isArray(keys) &&
      keys.length === ORDERS[sort].keys.length &&
      keys.every((k) => Number.isSafeInteger(k)) &&
      typeof id === "string" &&
      SUBMISSION_ID_PATTERN.test(id)
    )
      return { sort, keys: keys as number[], id };
  }
  throw new SearchSyntaxError("The page link is not one this inbox made; start again from the first page.");
}

const COLUMNS = `s.id, s.status, s.source, s.email, s.excerpt, s.desk_status, s.assignee_id, s.created_at,
  s.last_customer_at, s.last_message_at, s.review_policy,
  u.name AS customer_name, a.name AS assignee_name, a.email AS assignee_email`;

/** One page of the inbox for `query`, and the tabs' counts. Throws `SearchSyntaxError` for bad text or cursor. */
export async function inboxPage(d1: D1Database, query: InboxQuery, limit = INBOX_PAGE): Promise<InboxPage> {
  const text = query.q ? ftsQuery(query.q) : undefined;
  const cursor = query.cursor ? decodeCursor(query.cursor, query.sort) : null;
  // Filters every statement shares (assignee, channel, text); the tab is the page's alone.
  const shared: string[] = [];
  const sharedBinds: (string | number)[] = [];
  if (text) {
    shared.push("submissions_search MATCH ?");
    sharedBinds.push(text);
  }
  if (query.assignee.kind === "unassigned") shared.push("s.assignee_id IS NULL");
  if (query.assignee.kind === "member") {
    shared.push("s.assignee_id = ?");
    sharedBinds.push(query.assignee.id);
  }
  if (query.channel) {
    shared.push("s.source = ?");
    sharedBinds.push(query.channel);
  }
  const from = text
    ? "FROM submissions_search JOIN submissions AS s ON s.rowid = submissions_search.rowid"
    : "FROM submissions AS s";
  const where = [...shared];
  const binds = [...sharedBinds];
  if (query.tab === "unresolved") where.push("s.desk_status IN ('new', 'open', 'waiting')");
  else if (query.tab !== "all") {
    where.push("s.desk_status = ?");
    binds.push(query.tab);
  }
  const order = ORDERS[query.sort];
  if (cursor) {
    const placeholders = [...cursor.keys.map(() => "?"), "?"].join(", ");
    where.push(`(${[...order.keys, "s.id"].join(", ")}) ${order.dir === "ASC" ? ">" : "<"} (${placeholders})`);
    binds.push(...cursor.keys, cursor.id);
  }
  const clause = (parts: string[]) => (parts.length ? ` WHERE ${parts.join(" AND ")}` : "");
  const keyColumns = order.keys.map((k, i) => `${k} AS k${i}`).join(", ");
  const pageSql = `SELECT ${COLUMNS}, ${text ? snippetSql("submissions_search") : "NULL"} AS snippet, ${keyColumns}
    ${from} LEFT JOIN users AS u ON u.id = s.user_id LEFT JOIN users AS a ON a.id = s.assignee_id
    ${clause(where)}
    ORDER BY ${[...order.keys, "s.id"].map((k) => `${k} ${order.dir}`).join(", ")} LIMIT ?`;
  const countSql = `SELECT s.desk_status AS status, COUNT(*) AS n ${from}${clause(shared)} GROUP BY s.desk_status`;
  const [found, counted] = await d1.batch<Record<string, unknown>>([
    d1.prepare(pageSql).bind(...binds, limit + 1),
    d1.prepare(countSql).bind(...sharedBinds),
  ]);
  const raw = found?.results ?? [];
  const rows = raw.slice(0, limit).map(rowOf);
  const counts = Object.fromEntries(DESK_STATUSES.map((s) => [s, 0])) as Record<DeskStatus, number>;
  for (const c of counted?.results ?? []) {
    const status = pickOf(DESK_STATUSES, String(c.status));
    if (status) counts[status] = Number(c.n);
  }
  const last = raw[limit - 1];
  const next =
    raw.length > limit && last
      ? encodeCursor({ sort: query.sort, keys: order.keys.map((_, i) => Number(last[`k${i}`])), id: String(last.id) })
      : null;
  return { rows, next, counts };
}

function rowOf(r: Record<string, unknown>): InboxRow {
  const createdAt = Number(r.created_at);
  const lastCustomerAt = r.last_customer_at === null ? createdAt : Number(r.last_customer_at);
  return {
    id: String(r.id),
    jobStatus: r.status as InboxRow["jobStatus"],
    deskStatus: r.desk_status as DeskStatus,
    channel: r.source as InboxRow["channel"],
    customerEmail: String(r.email),
    customerName: (r.customer_name as string | null) || null,
    assigneeId: (r.assignee_id as string | null) ?? null,
    assigneeName: (r.assignee_name as string | null) || null,
    assigneeEmail: (r.assignee_email as string | null) ?? null,
    excerpt: (r.excerpt as string | null) ?? null,
    snippet: (r.snippet as string | null) ?? null,
    createdAt,
    lastCustomerAt,
    lastMessageAt: r.last_message_at === null ? lastCustomerAt : Number(r.last_message_at),
    reviewPolicy: r.review_policy as InboxRow["reviewPolicy"],
  };
}

/** The tabs' counts with the two the statuses add up to. */
export function tabCounts(counts: Record<DeskStatus, number>): Record<InboxTab, number> {
  const all = DESK_STATUSES.reduce((n, s) => n + counts[s], 0);
  return { ...counts, unresolved: all - counts.resolved, all };
}
