import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { gunzip } from "../workers/backups/dump";
import { BACKUP_PREFIX } from "../workers/backups/rotation";
import { CRONS } from "../workers/cron/dispatch";
import worker from "../workers/index";
import { postSubmission, waitForStatus } from "./helpers/api";

/** Fires the backup cron as Cloudflare would, at `at`. */
async function backupAt(at: string) {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron: CRONS.backup, scheduledTime: new Date(at).getTime() }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

async function backupKeys() {
  return (await env.FILES.list({ prefix: BACKUP_PREFIX })).objects.map((o) => o.key);
}

const USER_OBJECTS =
  "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name";
const squash = (sql: string) => sql.replace(/\s+/g, " ").trim();

/** Every table's rows in a stable order, with each value's SQLite type. */
async function contents(db: D1Database, tables: string[]) {
  const out: Record<string, unknown[]> = {};
  for (const t of tables) {
    const { results } = await db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all();
    out[t] = results;
  }
  return out;
}

describe("D1 backup to R2 and restore", () => {
  it("restores every row, value type, index, trigger and search index into an empty database", async () => {
    // Real traffic: a submission through the whole pipeline (submissions, steps, notifications).
    const res = await postSubmission({
      text: "Plan the move of the Brno office. It's due in May.",
      email: "o'brien@example.com",
    });
    const { id } = await res.json<{ id: string }>();
    await waitForStatus(id, ["completed"]);

    // Values a naive dump gets wrong, and the kinds of schema other features add.
    await env.DB.batch([
      env.DB.prepare(
        "CREATE TABLE probe (id INTEGER PRIMARY KEY, t TEXT, r REAL, i INTEGER, b BLOB, n TEXT, parent TEXT REFERENCES submissions(id))",
      ),
      env.DB.prepare(
        "INSERT INTO probe (id, t, r, i, b, n, parent) VALUES (1, ?, 1.0, 9007199254740993, X'00FF27', NULL, ?), (2, ?, 0.1, -42, X'', NULL, NULL), (3, '', 1e300, 0, NULL, 'x', NULL), (4, ?, 2.5, 1, NULL, NULL, NULL)",
      ).bind(
        'it\'s "quoted"; -- not a comment\nline two\r\nline three ✓ 😀',
        id,
        "a\n\nb",
        // A page's markdown: more line breaks than SQLite's expression depth (100) allows in a chain.
        Array.from({ length: 250 }, (_, i) => `line ${i} of a long page`).join("\n"),
      ),
      env.DB.prepare("CREATE VIRTUAL TABLE notes_fts USING fts5(body)"),
      env.DB.prepare(
        "INSERT INTO notes_fts (rowid, body) VALUES (7, 'warehouse packing material'), (9, 'office move')",
      ),
      env.DB.prepare(
        "CREATE VIRTUAL TABLE summaries_fts USING fts5(summary, content='submissions', content_rowid='rowid')",
      ),
      env.DB.prepare(
        "CREATE TRIGGER submissions_fts_ai AFTER INSERT ON submissions BEGIN INSERT INTO summaries_fts(rowid, summary) VALUES (new.rowid, new.summary); END",
      ),
      env.DB.prepare("INSERT INTO summaries_fts(summaries_fts) VALUES('rebuild')"),
      env.DB.prepare("CREATE INDEX probe_t_idx ON probe (t)"),
    ]);

    const at = "2026-11-25T16:00:00Z";
    await backupAt(at);
    const key = `${BACKUP_PREFIX}2026-11-25T16-00-00Z.sql.gz`;
    const object = await env.FILES.get(key);
    expect(object).not.toBeNull();
    const sql = await gunzip(await (object as R2ObjectBody).arrayBuffer());
    expect(sql).not.toMatch(/notes_fts_(data|idx|content|docsize|config)/); // shadow tables are not copied

    // An empty database, restored the way a Worker can: `exec` runs one statement per line.
    const before = await env.RESTORE_DB.prepare(USER_OBJECTS).all();
    expect(before.results).toEqual([]);
    await env.RESTORE_DB.exec(sql);

    const source = (await env.DB.prepare(USER_OBJECTS).all<{ type: string; name: string; sql: string }>()).results;
    const restored = (await env.RESTORE_DB.prepare(USER_OBJECTS).all<{ type: string; name: string; sql: string }>())
      .results;
    expect(restored.map((o) => [o.type, o.name, squash(o.sql)])).toEqual(
      source.map((o) => [o.type, o.name, squash(o.sql)]),
    );

    const tables = ["d1_migrations", "submissions", "submission_steps", "notifications", "probe"];
    expect(await contents(env.RESTORE_DB, tables)).toEqual(await contents(env.DB, tables));
    const types =
      "SELECT typeof(r) AS r, typeof(i) AS i, i = 9007199254740993 AS exact, hex(b) AS b, t FROM probe ORDER BY id";
    expect((await env.RESTORE_DB.prepare(types).all()).results).toEqual((await env.DB.prepare(types).all()).results);
    expect((await env.RESTORE_DB.prepare("SELECT typeof(r) AS r FROM probe WHERE id = 1").first())?.r).toBe("real");

    // Both search indexes answer as before: the plain one copied, the external-content one rebuilt.
    const match = (db: D1Database, q: string) =>
      db
        .prepare(q)
        .all()
        .then((r) => r.results);
    expect(await match(env.RESTORE_DB, "SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'packing'")).toEqual([
      { rowid: 7 },
    ]);
    const summaryQuery = "SELECT rowid FROM summaries_fts WHERE summaries_fts MATCH 'office OR move OR brno'";
    const found = await match(env.DB, summaryQuery);
    expect(found.length).toBeGreaterThan(0);
    expect(await match(env.RESTORE_DB, summaryQuery)).toEqual(found);
  });

  it("writes nothing when nothing changed, and a new dated backup after a write", async () => {
    await backupAt("2026-11-26T10:00:00Z");
    const first = await backupKeys();
    await backupAt("2026-11-26T10:15:00Z");
    expect(await backupKeys()).toEqual(first);

    await env.DB.prepare(
      "UPDATE submissions SET summary = 'changed' WHERE rowid = (SELECT min(rowid) FROM submissions)",
    ).run();
    await backupAt("2026-11-26T10:30:00Z");
    const after = await backupKeys();
    expect(after).toEqual([...first, `${BACKUP_PREFIX}2026-11-26T10-30-00Z.sql.gz`].sort());
    const sql = await gunzip(await ((await env.FILES.get(after.at(-1) as string)) as R2ObjectBody).arrayBuffer());
    expect(sql).toContain("'changed'");
  });

  it("writes the first backup of a day even when nothing changed, and rotates old ones out", async () => {
    await backupAt("2026-11-27T00:00:00Z");
    const keys = await backupKeys();
    expect(keys).toContain(`${BACKUP_PREFIX}2026-11-27T00-00-00Z.sql.gz`);
    // 40 days on, the newest backup stays although nothing changed since.
    await backupAt("2027-01-06T00:00:00Z");
    const later = await backupKeys();
    expect(later).toContain(`${BACKUP_PREFIX}2027-01-06T00-00-00Z.sql.gz`);
    expect(later).not.toContain(`${BACKUP_PREFIX}2026-11-25T16-00-00Z.sql.gz`);
    expect(later.length).toBeLessThan(keys.length + 1);
  });
});
