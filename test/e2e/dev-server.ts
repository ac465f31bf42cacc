/**
 * What every browser test stands on: `wrangler dev --local` on a random port with its own fresh
 * state (migrated, and seeded as `npm run db:seed` seeds when asked), Debian's Chromium, the
 * mail the session wrote (wrangler logs the path of every `.eml`), and screenshots.
 * Screenshots go to test-results/screenshots/; with `DOCS_SCREENSHOTS=1` the ones the docs
 * show are copied to docs/screenshots/ as well, so a test run leaves the repository alone.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import PostalMime, { type Email } from "postal-mime";

const root = path.resolve(import.meta.dirname, "../..");
const shots = path.join(root, "test-results", "screenshots");
const docShots = path.join(root, "docs", "screenshots");
const wranglerBin = path.join(root, "node_modules", ".bin", "wrangler");
const toolEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  NO_COLOR: "1",
};

/** Runs one wrangler command in the project root; rejects with its output when it fails. */
function wrangler(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(wranglerBin, args, { cwd: root, env: toolEnv, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout?.on("data", (d) => {
      log += d;
    });
    child.stderr?.on("data", (d) => {
      log += d;
    });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`wrangler ${args[0]} failed:\n${log}`))));
  });
}

/** The demo seed's R2 objects (as ops/seed.ts puts them). */
const SEED_OBJECTS = [
  ["inputs/sub_01JF000000000000000000DEM0.json", "demo-input.json", "application/json"],
  ["results/sub_01JF000000000000000000DEM0.md", "demo-result.md", "text/markdown; charset=utf-8"],
] as const;

export interface DevServer {
  base: string;
  /** Everything wrangler printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `wrangler dev --local` on fresh state: migrated; with `seed`, the demo accounts and
 * requests of migrations/seed/demo.sql and their R2 objects; `sql`, statements of the test's
 * own run after that; `vars` as `--var NAME:value` (a random `SIGNING_KEY` unless given, since
 * a fresh clone has no `.dev.vars`).
 */
export async function startDevServer(
  options: { seed?: boolean; sql?: string[]; vars?: Record<string, string> } = {},
): Promise<DevServer> {
  await mkdir(shots, { recursive: true });
  const persist = await mkdtemp(path.join(tmpdir(), "statex-e2e-"));
  await wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
  if (options.seed) {
    await wrangler(["d1", "execute", "DB", "--local", "--persist-to", persist, "--file", "migrations/seed/demo.sql"]);
    for (const [key, file, type] of SEED_OBJECTS)
      await wrangler(
        ["r2", "object", "put", `statex-files/${key}`, "--local", "--persist-to", persist].concat([
          "--file",
          `migrations/seed/${file}`,
          "--content-type",
          type,
        ]),
      );
  }
  if (options.sql?.length) {
    const file = path.join(persist, "test-data.sql");
    await writeFile(file, options.sql.join("\n"));
    await wrangler(["d1", "execute", "DB", "--local", "--persist-to", persist, "--file", file]);
  }
  const port = 20000 + Math.floor(Math.random() * 20000);
  // A fresh clone has no .dev.vars: signed links (confirmation, reply addresses) need a key of their own.
  const withKey = { SIGNING_KEY: `e2e-${crypto.randomUUID()}`, ...options.vars };
  const vars = Object.entries(withKey).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const args = ["dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", "0"];
  const server: ChildProcess = spawn(wranglerBin, [...args, "--persist-to", persist, ...vars], {
    cwd: root,
    env: toolEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  server.stdout?.on("data", (d) => {
    output += d;
  });
  server.stderr?.on("data", (d) => {
    output += d;
  });
  for (let i = 0; i < 120 && !/Ready on/.test(output); i++) await new Promise((r) => setTimeout(r, 500));
  if (!/Ready on/.test(output)) throw new Error(`wrangler dev did not start:\n${output}`);
  return {
    base: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      if (server.pid) {
        try {
          process.kill(-server.pid, "SIGTERM");
        } catch {
          // already gone
        }
      }
      await rm(persist, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless, with `extra` flags. */
export function launchChromium(extra: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      ...extra,
    ],
  });
}

/** A full-page screenshot; `forDocs` also copies it to docs/screenshots/ under `DOCS_SCREENSHOTS=1`. */
export async function shot(page: Page, name: string, forDocs = false): Promise<void> {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (forDocs && process.env.DOCS_SCREENSHOTS === "1") await copyFile(file, path.join(docShots, `${name}.png`));
}

/** Every .eml the session wrote to `to`, oldest first (paths come from wrangler's log). */
export async function mailsTo(server: DevServer, to: string): Promise<Email[]> {
  const files = [...new Set([...server.output().matchAll(/Email: (\S+\.eml)/g)].map((m) => m[1] ?? ""))];
  const found: { mail: Email; mtime: number }[] = [];
  for (const file of files) {
    const raw = await readFile(file).catch(() => null);
    if (!raw) continue;
    const mail = await PostalMime.parse(raw);
    if (!mail.to?.some((a) => a.address?.toLowerCase() === to.toLowerCase())) continue;
    found.push({ mail, mtime: (await stat(file)).mtimeMs });
  }
  return found.sort((a, b) => a.mtime - b.mtime).map((f) => f.mail);
}

/** Waits (up to 30 s) for the newest mail to `to` that `match` accepts (any, by default). */
export async function waitForMail(server: DevServer, to: string, match: (m: Email) => boolean = () => true) {
  for (let i = 0; i < 300; i++) {
    const hit = (await mailsTo(server, to)).reverse().find(match);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no matching mail to ${to}`);
}
