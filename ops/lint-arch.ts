/**
 * `npm run lint:arch` (part of `npm test`): the house's shape, checked. dependency-cruiser
 * applies `.dependency-cruiser.cjs` (no import into shared/ or durable-objects/ from a handler,
 * no routes module imported but by the app, no circles); then no source file in workers/,
 * durable-objects/ or shared/ may pass 400 lines. `lintArch(root)` runs both on any tree, so a
 * test can plant each violation and see it refused.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./run.ts";

export const MAX_LINES = 400;
const CORE = ["workers", "durable-objects", "shared"];
/** Expected with swc as the parser (see the config's header); anything else is shown. */
const NOTICE = /‼ missing-tsc-transpiler[\s\S]*?published and stable\.\s*/;

export interface ArchReport {
  ok: boolean;
  /** dependency-cruiser's findings, as it prints them (empty when clean). */
  imports: string;
  /** Each source file over the limit, with its line count. */
  long: string[];
}

/** Checks the tree at `root` against `ROOT/.dependency-cruiser.cjs` and the line limit. */
export function lintArch(root = ROOT): ArchReport {
  const folders = [...CORE, "site", "ops"].filter((f) => existsSync(path.join(root, f)));
  const cruise = spawnSync(
    path.join(ROOT, "node_modules", ".bin", "depcruise"),
    ["--config", path.join(ROOT, ".dependency-cruiser.cjs"), "--output-type", "err-long", ...folders],
    { cwd: root, encoding: "utf8" },
  );
  const imports = `${cruise.stdout ?? ""}${cruise.stderr ?? ""}`.replace(NOTICE, "").trim();
  const long: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (/\.tsx?$/.test(entry.name)) {
        const lines = readFileSync(path.join(root, rel), "utf8").split("\n").length - 1;
        if (lines > MAX_LINES) long.push(`${rel}: ${lines} lines (at most ${MAX_LINES})`);
      }
    }
  };
  for (const dir of CORE) if (existsSync(path.join(root, dir))) walk(dir);
  return { ok: cruise.status === 0 && long.length === 0, imports: cruise.status === 0 ? "" : imports, long };
}

if (import.meta.main) {
  const report = lintArch();
  if (report.imports) console.error(report.imports);
  for (const line of report.long) console.error(line);
  console.log(
    `lint:arch: imports ${report.imports ? "refused" : "ok"}, ${report.long.length} file(s) over ${MAX_LINES} lines`,
  );
  if (!report.ok) process.exitCode = 1;
}
