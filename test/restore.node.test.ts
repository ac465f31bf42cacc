import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The operator's path, end to end with the real tools: a local database with data, the Worker
 * under `wrangler dev` firing its backup cron, then `npm run restore` into a second, empty
 * local state, and the two compared table by table.
 */
const ROOT = path.join(import.meta.dirname, "..");
const QUIET = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };
const ENV = { ...process.env, ...QUIET, PATH: `${path.join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` };
const work = mkdtempSync(path.join(tmpdir(), "statex-restore-test-"));
const source = path.join(work, "source");
const target = path.join(work, "target");
let dev: ChildProcess | undefined;

const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { cwd: ROOT, env: ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

const TABLES = ["d1_migrations", "submissions", "submission_steps", "notifications"];
function dumpRows(persistTo: string) {
  const out = run("wrangler", [
    "d1",
    "execute",
    "DB",
    "--local",
    "--persist-to",
    persistTo,
    "--json",
    "--command",
    TABLES.map((t) => `SELECT * FROM ${t} ORDER BY rowid`).join("; "),
  ]);
  return (JSON.parse(out) as { results: unknown[] }[]).map((r) => r.results);
}

afterAll(() => {
  if (dev?.pid) process.kill(-dev.pid, "SIGINT");
  rmSync(work, { recursive: true, force: true });
});

describe("npm run restore", () => {
  it("restores a backup written by the cron into an empty local database, row for row", async () => {
    run("wrangler", ["d1", "migrations", "apply", "DB", "--local", "--persist-to", source]);
    const extra = path.join(work, "extra.sql");
    writeFileSync(
      extra,
      [
        "INSERT INTO submissions (id, status, source, email, text_chars, input_key, summary, correlation_id, created_at, updated_at, pinned) VALUES ('sub_restore1', 'completed', 'api', 'o''hara@example.com', 12, 'inputs/sub_restore1.json', 'two' || char(10) || 'lines; and -- dashes', 'c1', 1, 2, 1);",
        "INSERT INTO submission_steps (submission_id, name, position, status, attempts) VALUES ('sub_restore1', 'analyse', 0, 'done', 3);",
      ].join("\n"),
    );
    run("wrangler", ["d1", "execute", "DB", "--local", "--persist-to", source, "--file", "migrations/seed/demo.sql"]);
    run("wrangler", ["d1", "execute", "DB", "--local", "--persist-to", source, "--file", extra]);

    const [port, inspector] = [await freePort(), await freePort()];
    dev = spawn(
      "wrangler",
      [
        "dev",
        "--local",
        "--persist-to",
        source,
        "--port",
        String(port),
        "--inspector-port",
        String(inspector),
        "--test-scheduled",
      ],
      { cwd: ROOT, env: ENV, detached: true, stdio: "ignore" },
    );
    const base = `http://127.0.0.1:${port}`;
    let up = false;
    for (let i = 0; i < 120 && !up; i++) {
      up = await fetch(`${base}/healthz`).then(
        () => true,
        () => false,
      );
      if (!up) await new Promise((r) => setTimeout(r, 500));
    }
    expect(up).toBe(true);
    const fired = await fetch(
      `${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/15 * * * *")}&time=1795622400000`,
    );
    expect(fired.status).toBe(200);
    process.kill(-(dev.pid as number), "SIGINT");
    dev = undefined;

    const key = "backups/d1/2026-11-25T16-00-00Z.sql.gz";
    const out = run("node", ["ops/restore.ts", key, "--local", "--persist-to", target, "--source-persist-to", source]);
    expect(out).toMatch(/restored backups\/d1\/2026-11-25T16-00-00Z\.sql\.gz into DB \(local\)/);

    const before = dumpRows(source);
    expect(before[1]).toHaveLength(2); // the demo submission and ours
    expect(dumpRows(target)).toEqual(before);

    // A second restore into the now non-empty database is refused.
    expect(() =>
      run("node", ["ops/restore.ts", key, "--local", "--persist-to", target, "--source-persist-to", source]),
    ).toThrow(/not empty/);
  }, 180_000);
});
