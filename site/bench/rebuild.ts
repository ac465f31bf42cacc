/**
 * The one-page rebuild as `--watch` does it: one process, the build already warm, one page
 * changed, one incremental build timed. Prints the milliseconds.
 *
 *   node site/bench/rebuild.ts <content-dir> <out-dir> <page-file>
 */
import { appendFileSync } from "node:fs";
import { build } from "../build.ts";

const [contentDir = "content", outDir = "out", page = ""] = process.argv.slice(2);
const options = { contentDir, outDir, quiet: true, incremental: true };
await build(options);
appendFileSync(page, "\nOne more line, changed for the benchmark.\n");
const started = performance.now();
const result = await build(options);
if (result.rendered !== 1 || result.errors.length)
  throw new Error(`expected one page rebuilt: ${JSON.stringify(result)}`);
console.log(Math.round(performance.now() - started));
