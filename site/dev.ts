/**
 * `npm run dev` after setup: the site watcher (`site/build.ts --watch`, rebuilding only changed
 * pages into dist/site) alongside `wrangler dev --local`, which serves dist/site as assets and
 * picks up the rewritten files. Extra arguments go to wrangler (e.g. `-- --port 8788`). Either
 * process ending, or Ctrl-C, stops both.
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

let stopping = false;
function stop(code: number) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  process.exitCode = code;
}
for (const child of children) child.on("exit", (code) => stop(code ?? 0));
process.on("SIGINT", () => stop(130));
process.on("SIGTERM", () => stop(143));
