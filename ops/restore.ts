/**
 * `npm run restore -- <backup> [--local | --remote] [--env staging|production] [--database NAME]
 *                     [--persist-to DIR] [--source-persist-to DIR] [--force]`
 *
 * Restores a D1 backup written by the backup cron (workers/backups) into an EMPTY database.
 * `<backup>` is a local `.sql.gz` / `.sql` file, or an R2 key such as
 * `backups/d1/2026-11-25T16-00-00Z.sql.gz`, fetched from the environment's `FILES` bucket.
 *
 * - Locally (default): into the `DB` database of `--persist-to` (default `.wrangler/state`).
 *   Point `--persist-to` at a new folder to get a fresh database.
 * - Remotely (`--remote`): into `--database NAME`, a database made for the purpose with
 *   `wrangler d1 create` (see docs/operations.md); never the live one unless named on purpose.
 *
 * The target must hold no tables (`--force` skips that check): a dump restores by CREATE and
 * INSERT, which would collide with existing rows, and half-merged data is worse than none.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { wrangler } from "./run.ts";
import { bucketFor } from "./wrangler-config.ts";

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      local: { type: "boolean", default: false },
      remote: { type: "boolean", default: false },
      env: { type: "string" },
      database: { type: "string" },
      "persist-to": { type: "string" },
      /** Local state to fetch an R2 key from, when it differs from the target's (`--persist-to`). */
      "source-persist-to": { type: "string" },
      force: { type: "boolean", default: false },
    },
  });
  const backup = positionals[0];
  if (!backup || positionals.length > 1 || (values.local && values.remote)) {
    console.error(
      "usage: npm run restore -- <file.sql.gz | backups/d1/KEY> [--local|--remote] [--env E] [--database NAME] [--persist-to DIR] [--force]",
    );
    process.exit(2);
  }
  const remote = values.remote;
  if (remote && !values.database) {
    console.error("--remote needs --database NAME: restore into a new database (wrangler d1 create), then switch.");
    process.exit(2);
  }
  const where = remote
    ? ["--remote"]
    : ["--local", ...(values["persist-to"] ? ["--persist-to", values["persist-to"]] : [])];
  const envArgs = values.env ? ["--env", values.env] : [];
  const database = values.database ?? "DB";

  const work = mkdtempSync(path.join(tmpdir(), "statex-restore-"));
  try {
    let compressed: Buffer;
    if (/^backups\//.test(backup)) {
      const bucket = bucketFor(values.env);
      const file = path.join(work, "backup.sql.gz");
      const source = values["source-persist-to"] ? ["--local", "--persist-to", values["source-persist-to"]] : where;
      wrangler(["r2", "object", "get", `${bucket}/${backup}`, "--file", file, ...source, ...envArgs]);
      compressed = readFileSync(file);
    } else {
      compressed = readFileSync(backup);
    }
    const sql = backup.endsWith(".gz") ? gunzipSync(compressed).toString("utf8") : compressed.toString("utf8");
    if (!sql.startsWith("/* StateX D1 backup")) throw new Error(`${backup} is not a StateX D1 backup`);

    if (!values.force) {
      const out = wrangler([
        "d1",
        "execute",
        database,
        ...where,
        ...envArgs,
        "--json",
        "--command",
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
      ]);
      const n = JSON.parse(out)[0]?.results?.[0]?.n;
      if (n !== 0) {
        console.error(`refusing to restore: ${database} is not empty (${n} tables). Use a fresh database, or --force.`);
        process.exit(1);
      }
    }

    const file = path.join(work, "restore.sql");
    writeFileSync(file, sql);
    const started = Date.now();
    wrangler(["d1", "execute", database, ...where, ...envArgs, "--yes", "--file", file]);
    const statements = sql.split("\n").filter((l) => l.trim()).length;
    console.log(
      `restored ${backup} into ${database} (${remote ? "remote" : "local"}): ${statements} statements in ${Date.now() - started} ms`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
