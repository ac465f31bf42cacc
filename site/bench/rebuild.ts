/**
 * The one-page rebuild as `--watch` does it: one process, the build already warm, one page
 * changed, one incremental build timed. Prints the milliseconds.
 *
 *   node site/bench/rebuild.ts <content-dir> <out-dir> <page-file>
 */
import { appendFileSync } from "node:fs";
import path from "node:path";
import { build, type Session } from "../build.ts";

const [contentDir = "content", outDir = "out", page = ""] = process.argv.slice(2);
const options = { contentDir, outDir, quiet: true, incremental: true };
const session: Session = {};
await build(options, session);
appendFileSync(page, "\nOne more line, changed for the benchmark.\n");
// What the watcher reports for the edit.
session.changed = new Set([path.relative(contentDir, page).split(path.sep).join("/")]);
const started = performance.now();
const result = await build(options, session);
if (result.rendered !== 1 || result.errors.length)
  throw new Error(`expected one page rebuilt: ${JSON.stringify(result)}`);
console.log(Math.round(performance.now() - started));
