/**
 * `npm run lint:arch` (part of `npm test`): the house's shape, checked. dependency-cruiser
 * applies `.dependency-cruiser.cjs` (no import into shared/ or durable-objects/ from a handler,
 * no routes module imported but by the app, no circles); then no source file in workers/,
 * durable-objects/ or shared/ may pass 400 lines.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./run.ts";

const MAX_LINES = 400;
const CORE = ["workers", "durable-objects", "shared"];

const cruise = spawnSync(
  path.join(ROOT, "node_modules", ".bin", "depcruise"),
  ["--config", ".dependency-cruiser.cjs", "--output-type", "err-long", ...CORE, "site", "ops"],
  { cwd: ROOT, encoding: "utf8" },
);
// The transpiler notice is expected (see the config's header); anything else on stderr is shown.
const notice = /‼ missing-tsc-transpiler[\s\S]*?published and stable\.\s*/;
const report = `${cruise.stdout ?? ""}${cruise.stderr ?? ""}`.replace(notice, "").trim();
if (report) console.error(report);

const long: string[] = [];
const walk = (dir: string) => {
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(rel);
    else if (/\.tsx?$/.test(entry.name)) {
      const lines = readFileSync(path.join(ROOT, rel), "utf8").split("\n").length - 1;
      if (lines > MAX_LINES) long.push(`${rel}: ${lines} lines (at most ${MAX_LINES})`);
    }
  }
};
for (const dir of CORE) walk(dir);
for (const line of long) console.error(line);
console.log(`lint:arch: imports ${cruise.status === 0 ? "ok" : "refused"}, ${long.length} file(s) over ${MAX_LINES} lines`);
if (cruise.status !== 0 || long.length > 0) process.exitCode = 1;
