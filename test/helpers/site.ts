/**
 * Throwaway sites for the site generator's Node tests: a temporary project folder whose
 * `content/` holds the given files, the build options that point at it, and readers of the
 * output. `removeSites()` (in each file's `afterEach`) deletes every folder made, with those of
 * `tempDir()`.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BuildOptions } from "../../site/build.ts";

const dirs: string[] = [];

/** Deletes every throwaway site made so far. */
export async function removeSites(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A temporary folder, removed with the sites by `removeSites()`. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A throwaway site: `files` maps content paths to their text. */
export async function throwawaySite(files: Record<string, string>, prefix = "statex-site-") {
  const root = await tempDir(prefix);
  const contentDir = path.join(root, "content");
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(contentDir, file)), { recursive: true });
    await writeFile(path.join(contentDir, file), text);
  }
  const options: BuildOptions = { contentDir, outDir: path.join(root, "out"), quiet: true, threads: 1, revision: "r1" };
  const read = (p: string) => readFile(path.join(options.outDir, p), "utf8");
  const exists = (p: string) =>
    stat(path.join(options.outDir, p)).then(
      () => true,
      () => false,
    );
  return { root, options, contentDir, read, exists };
}
