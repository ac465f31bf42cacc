/**
 * What the admin searches' raw FTS5 queries (which drizzle cannot express) need to fit the rest
 * of the code: rows in drizzle's shape, and telling a bad search text from a D1 outage.
 */
import { getTableColumns, type Table } from "drizzle-orm";

/** Maps rows of raw D1 SQL (snake_case column names) to drizzle's row shape for `table`. */
export function rowMapper<T extends Table>(table: T): (row: Record<string, unknown>) => T["$inferSelect"] {
  const columns = Object.entries(getTableColumns(table)).map(([key, column]) => [key, column.name] as const);
  return (row) => Object.fromEntries(columns.map(([key, name]) => [key, row[name] ?? null])) as T["$inferSelect"];
}

/** A D1 failure inside an FTS5 query that the query text caused, as opposed to an outage. */
export const isFtsSyntaxError = (error: unknown) =>
  error instanceof Error && /fts5|malformed match|unterminated string/i.test(error.message);
