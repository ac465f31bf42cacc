/**
 * `npm run dev` after setup: the site watcher (`site/build.ts --watch`, rebuilding only changed
 * pages into dist/site) alongside `wrangler dev --local`, which serves dist/site as assets and
 * picks up the rewritten files. Extra arguments go to wrangler (e.g. `-- --port 8788`). Either
 * process ending, or Ctrl-C, stops both.
 *
 * Once the Worker answers, the re-drive cron is fired once (`/cdn-cgi/local/scheduled`, as
 * wrangler itself suggests): it starts the seeded demo request that waits for review
 * (`migrations/seed/demo-review.sql`), so the staff desk shows a draft from the first minute.
 * Wrangler never fires crons by itself in local development; a later cron is a manual `curl`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};

const children: ChildProcess[] = [
  spawn(process.execPath, [path.join(root, "site", "build.ts"), "--watch"], { stdio: "inherit", env }),
  // wrangler's own script on this Node (22, from devDependencies), whatever `node` PATH finds.
  spawn(
    process.execPath,
    [path.join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "dev", "--local", ...process.argv.slice(2)],
    {
      stdio: "inherit",
      env,
      cwd: root,
    },
  ),
];

/** The port wrangler listens on: `--port N` / `--port=N` among the extra arguments, else 8787. */
function devPort(args: string[]): number {
  const i = args.findIndex((a) => a === "--port" || a.startsWith("--port="));
  const value = i < 0 ? undefined : args[i]?.includes("=") ? args[i]?.split("=")[1] : args[i + 1];
  return Number(value) || 8787;
}

/** Waits for the Worker's `/healthz` (up to two minutes), then fires the scheduled handler once. */
async function startDemoJobs(port: number): Promise<void> {
  const base = `http://127.0.0.1:${port}`;
  for (let tries = 0; tries < 240 && !stopping; tries++) {
    const ok = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      // The re-drive's expression (`CRONS.redrive` in workers/cron/dispatch.ts).
      const fired = await fetch(`${base}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("*/5 * * * *")}`).then(
        (r) => r.ok,
        () => false,
      );
      console.log(
        fired
          ? "  Demo: the request waiting for review is starting; open the staff desk at /app/desk."
          : "  Demo: could not fire the scheduled handler; the review demo starts at the next cron.",
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

let stopping = false;
function stop(code: number) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  process.exitCode = code;
}
for (const child of children) child.on("exit", (code) => stop(code ?? 0));
void startDemoJobs(devPort(process.argv.slice(2)));
process.on("SIGINT", () => stop(130));
process.on("SIGTERM", () => stop(143));
