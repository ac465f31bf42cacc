/**
 * The D1 client every module uses, held to production D1's limits.
 *
 * Production D1 refuses a statement that binds more than 100 parameters; the local SQLite
 * behind `wrangler dev` and the tests allows thousands. So a query whose parameters grow
 * with a user's data (`inArray(ids)`, a multi-row insert) passes every local test and fails
 * for the first customer with 101 requests. `strictD1` makes the local database as strict as
 * production — every statement is counted as it is bound, in every environment — and
 * `chunks` / `insertChunks` are how code that must bind many values stays under the limit.
 */
import { getTableColumns, type Table } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";

/** Most parameters one D1 statement may bind (Cloudflare D1 limits, "Maximum bound parameters per query"). */
export const D1_MAX_BOUND_PARAMETERS = 100;

/** Thrown (before D1 sees the statement) by a statement that binds more than D1 allows. */
export class TooManyBoundParameters extends Error {
  constructor(
    readonly count: number,
    readonly sql: string,
  ) {
    super(`a D1 statement binds ${count} parameters; D1 allows ${D1_MAX_BOUND_PARAMETERS}: ${sql.slice(0, 200)}`);
    this.name = "TooManyBoundParameters";
  }
}

const strict = new WeakMap<D1Database, D1Database>();

/**
 * The same database, refusing statements over D1's parameter limit. Cached per binding, so
 * wrapping costs one lookup per request.
 */
export function strictD1(d1: D1Database): D1Database {
  const known = strict.get(d1);
  if (known) return known;
  const wrapped = new Proxy(d1, {
    get(target, property) {
      if (property === "prepare") {
        return (query: string) => {
          const statement = target.prepare(query);
          const bind = statement.bind.bind(statement);
          statement.bind = (...values: unknown[]) => {
            if (values.length > D1_MAX_BOUND_PARAMETERS) throw new TooManyBoundParameters(values.length, query);
            return bind(...values);
          };
          return statement;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  strict.set(d1, wrapped);
  return wrapped;
}

/** The drizzle client over a D1 binding, with production's parameter limit enforced. */
export const db = (d1: D1Database) => drizzle(strictD1(d1));
export type Db = ReturnType<typeof db>;

/** `items` in slices of at most `size` (the last may be shorter); none for no items. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new RangeError(`chunk size ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Rows per multi-row `INSERT` of `table` so that one statement stays under D1's limit. Every
 * column may bind a parameter per row — drizzle binds the defaults of columns a row leaves
 * out — so the table's column count is the cost of a row; `reserved` is what the statement
 * binds besides (an `ON CONFLICT … SET` clause's values).
 */
export function rowsPerInsert(table: Table, reserved = 0): number {
  const columns = Object.keys(getTableColumns(table)).length;
  return Math.max(1, Math.floor((D1_MAX_BOUND_PARAMETERS - reserved) / Math.max(1, columns)));
}

/**
 * Ids per `IN (…)` list in a statement that binds `reserved` other parameters: the rest of
 * the statement's budget.
 */
export const idsPerStatement = (reserved = 0) => D1_MAX_BOUND_PARAMETERS - reserved;

/** Multi-row insert values for `table`, split into statements D1 accepts (see `rowsPerInsert`). */
export function insertChunks<T>(table: Table, rows: readonly T[], reserved = 0): T[][] {
  return chunks(rows, rowsPerInsert(table, reserved));
}
