/**
 * A logical SQL dump of a D1 database, built inside a Worker. D1 has no dump API on the binding
 * (`wrangler d1 export` goes through the REST API), so the dump reads `sqlite_master` and every
 * table, and lets SQLite itself write each value as a literal with `quote()`: integers of any
 * size, reals that read back bit-exact, text with `''` escaping, blobs as `X'..'` and `NULL`.
 *
 * The output has one statement per line, so it restores with `wrangler d1 execute --file`, and
 * also with the binding's `exec()`, which splits its input at newlines. Order: tables with their
 * rows (parents before children), virtual tables, then indexes, views and triggers last so no
 * trigger fires while rows are restored.
 */

/** Names SQLite and D1 keep for themselves: never dumped (`d1_migrations` is kept on purpose). */
const INTERNAL_NAME = /^(sqlite_|_cf_)/i;

/**
 * Suffixes of the shadow tables behind FTS3/4/5 and R*Tree virtual tables. Dumping them as
 * plain tables would restore them before their virtual table exists and clash with the ones
 * `CREATE VIRTUAL TABLE` makes.
 */
const SHADOW_SUFFIXES = [
  "data",
  "idx",
  "content",
  "docsize",
  "config",
  "segments",
  "segdir",
  "stat",
  "node",
  "rowid",
  "parent",
];

interface MasterRow {
  type: "table" | "index" | "view" | "trigger";
  name: string;
  tbl_name: string;
  sql: string;
}

/** A table to copy: its schema statement and the SELECT that renders each row as an INSERT. */
interface TablePlan {
  name: string;
  create: string;
  /** `null` when the rows are not copied (contentless FTS) or are rebuilt instead. */
  select: string | null;
  /** Statements run after the rows (an external-content FTS index rebuild). */
  after: string[];
}

/** A finished dump: the SQL text and what it holds. */
export interface Dump {
  sql: string;
  /** `sql` without its dated first line: equal bodies mean equal data. */
  body: string;
  /** Rows copied per table. */
  rows: Record<string, number>;
  /**
   * The D1 session bookmark of the snapshot that was read: it moves with every write, so an
   * unchanged bookmark means an unchanged database. `null` where the runtime gives none.
   */
  bookmark: string | null;
}

/** `"name"` with embedded quotes doubled: every identifier in the dump goes through this. */
export const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Writes schema SQL from `sqlite_master` on one line: newlines outside quotes become spaces and
 * `--` comments become block comments, so the meaning is unchanged.
 */
export function oneLine(sql: string): string {
  let out = "";
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i] as string;
    if (quote) {
      out += ch;
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === "`") quote = ch;
    else if (ch === "[") quote = "]";
    if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const comment = sql.slice(i + 2, end === -1 ? undefined : end).replaceAll("*/", "* /");
      out += `/*${comment} */`;
      i = end === -1 ? sql.length : end - 1;
      continue;
    }
    out += ch === "\n" || ch === "\r" ? " " : ch;
  }
  return out.trim();
}

/**
 * `quote()` leaves line breaks inside text literals as they are; each such literal is rewritten
 * as `replace(replace('…<m>…', '<m>', char(10)), '<r>', char(13))` with markers the literal does
 * not contain, which keeps one statement per line with the same value. (A `'…'||char(10)||'…'`
 * chain would nest one level per line break, and SQLite refuses expressions deeper than 100 —
 * a content page's markdown has more lines than that.) Line breaks can only occur inside text
 * literals here: identifiers come from `ident()` and blobs are hex.
 */
function escapeLineBreaks(statement: string): string {
  if (!/[\r\n]/.test(statement)) return statement;
  let out = "";
  let i = 0;
  while (i < statement.length) {
    const start = statement.indexOf("'", i);
    if (start === -1) {
      out += statement.slice(i);
      break;
    }
    out += statement.slice(i, start);
    let end = start + 1;
    for (;;) {
      const q = statement.indexOf("'", end);
      if (q === -1) {
        end = statement.length;
        break;
      }
      if (statement[q + 1] === "'") end = q + 2;
      else {
        end = q + 1;
        break;
      }
    }
    const literal = statement.slice(start, end);
    out += /[\r\n]/.test(literal) ? literalWithoutBreaks(literal) : literal;
    i = end;
  }
  return out;
}

function literalWithoutBreaks(literal: string): string {
  let k = 0;
  while (literal.includes(`~${k}n`) || literal.includes(`~${k}r`)) k++;
  const [lf, cr] = [`~${k}n`, `~${k}r`];
  const body = literal.replaceAll("\n", lf).replaceAll("\r", cr);
  return `replace(replace(${body},'${lf}',char(10)),'${cr}',char(13))`;
}

/** SQL that makes SQLite render each row of `table` as a complete INSERT statement. */
function insertSelect(table: string, columns: string[], withRowid: boolean): string {
  const names = withRowid ? ["rowid", ...columns.map(ident)] : columns.map(ident);
  const values = (withRowid ? ["rowid", ...columns.map(ident)] : columns.map(ident))
    .map((c) => `quote(${c})`)
    .join(` || ',' || `);
  const head = `INSERT INTO ${ident(table)} (${names.join(",")}) VALUES(`;
  return `SELECT '${head.replaceAll("'", "''")}' || ${values} || ');' AS s FROM ${ident(table)}${withRowid ? " ORDER BY rowid" : ""}`;
}

/** Orders tables so that every table comes after the tables its foreign keys reference. */
function parentsFirst(names: string[], references: Map<string, string[]>): string[] {
  const done = new Set<string>();
  const out: string[] = [];
  const visit = (name: string, path: Set<string>) => {
    if (done.has(name) || path.has(name)) return; // a cycle: `defer_foreign_keys` covers it
    path.add(name);
    for (const parent of references.get(name) ?? []) if (names.includes(parent)) visit(parent, path);
    done.add(name);
    out.push(name);
  };
  for (const name of names) visit(name, new Set());
  return out;
}

/**
 * Dumps `db` as SQL. The rows of every table are read in one `batch()`, which D1 runs as one
 * transaction, so the dump is a consistent snapshot even while the platform writes.
 */
export async function dumpDatabase(db: D1Database, now = new Date()): Promise<Dump> {
  const session = db.withSession("first-primary");
  const { results: master } = await session
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")
    .all<MasterRow>();
  const objects = master.filter((o) => !INTERNAL_NAME.test(o.name) && !INTERNAL_NAME.test(o.tbl_name));
  const isVirtual = (o: MasterRow) => o.type === "table" && /^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(o.sql);
  const virtual = objects.filter(isVirtual);
  const shadow = new Set(virtual.flatMap((v) => SHADOW_SUFFIXES.map((s) => `${v.name}_${s}`.toLowerCase())));
  const plain = objects.filter((o) => o.type === "table" && !isVirtual(o) && !shadow.has(o.name.toLowerCase()));

  const tables = [...plain, ...virtual];
  const describe = await session.batch<{ name: string; table?: string }>(
    tables.flatMap((t) => [
      session.prepare(`PRAGMA table_info(${ident(t.name)})`),
      session.prepare(`PRAGMA foreign_key_list(${ident(t.name)})`),
    ]),
  );
  const columns = new Map<string, string[]>();
  const references = new Map<string, string[]>();
  tables.forEach((t, i) => {
    columns.set(
      t.name,
      (describe[2 * i]?.results ?? []).map((c) => c.name),
    );
    references.set(
      t.name,
      (describe[2 * i + 1]?.results ?? []).flatMap((f) => (f.table ? [f.table] : [])),
    );
  });

  const plans: TablePlan[] = [];
  for (const name of parentsFirst(
    plain.map((t) => t.name),
    references,
  )) {
    const t = plain.find((p) => p.name === name) as MasterRow;
    const withRowid = !/WITHOUT\s+ROWID\s*$/i.test(t.sql.trim());
    plans.push({ name, create: t.sql, select: insertSelect(name, columns.get(name) ?? [], withRowid), after: [] });
  }
  for (const v of virtual) {
    // External-content FTS reads its text from another table: restore that table and rebuild.
    // Contentless FTS (`content=''`) keeps no text to copy: it comes back empty (docs/operations.md).
    const content = /\bcontent\s*=\s*(?:'([^']*)'|"([^"]*)"|([\w$]+))/i.exec(v.sql);
    const contentTable = content ? (content[1] ?? content[2] ?? content[3] ?? "") : null;
    if (contentTable === null) {
      plans.push({
        name: v.name,
        create: v.sql,
        select: insertSelect(v.name, columns.get(v.name) ?? [], true),
        after: [],
      });
    } else if (contentTable === "") {
      plans.push({ name: v.name, create: v.sql, select: null, after: [] });
    } else {
      const rebuild = `INSERT INTO ${ident(v.name)}(${ident(v.name)}) VALUES('rebuild');`;
      plans.push({ name: v.name, create: v.sql, select: null, after: [rebuild] });
    }
  }

  const selects = plans.filter((p) => p.select !== null);
  const data = selects.length
    ? await session.batch<{ s: string }>(selects.map((p) => session.prepare(p.select as string)))
    : [];
  const rowsOf = new Map(selects.map((p, i) => [p.name, (data[i]?.results ?? []).map((r) => r.s)]));

  // The header is a block comment on a statement's line: `exec()` rejects a comment-only line.
  // Child rows may precede their parents (cycles); foreign keys are checked at commit instead.
  const lines = [
    `/* StateX D1 backup ${now.toISOString()}; restore into an empty database: npm run restore */ PRAGMA defer_foreign_keys = true;`,
  ];
  const rows: Record<string, number> = {};
  for (const p of plans) {
    lines.push(`${oneLine(p.create)};`);
    const inserts = rowsOf.get(p.name) ?? [];
    rows[p.name] = inserts.length;
    for (const insert of inserts) lines.push(escapeLineBreaks(insert));
    lines.push(...p.after);
  }
  for (const type of ["index", "view", "trigger"] as const) {
    for (const o of objects)
      if (o.type === type && !shadow.has(o.tbl_name.toLowerCase())) lines.push(`${oneLine(o.sql)};`);
  }
  const body = `${lines.slice(1).join("\n")}\n`;
  return { sql: `${lines[0]}\n${body}`, body, rows, bookmark: session.getBookmark() };
}

/** gzip through the platform's CompressionStream (no dependency; the same in workerd and Node). */
export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The inverse of `gzip`. */
export async function gunzip(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}
