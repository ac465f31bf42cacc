/**
 * A project moved or copied with its `node_modules/.cache/statex-site/` still builds: the
 * cached bundles have the `site/` folder's absolute path written in, so their names carry a
 * hash of it (site/bundle.ts) and a moved project makes its own.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { bundleKey } from "../site/bundle.ts";

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, "..");
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A minimal project at `dir`: the generator and `shared/` copied, the dependencies linked. */
async function project(dir: string): Promise<void> {
  await cp(path.join(repo, "site"), path.join(dir, "site"), { recursive: true });
  await cp(path.join(repo, "shared"), path.join(dir, "shared"), { recursive: true });
  await mkdir(path.join(dir, "node_modules", ".cache"), { recursive: true });
  for (const name of await readdir(path.join(repo, "node_modules"))) {
    if (name !== ".cache") await symlink(path.join(repo, "node_modules", name), path.join(dir, "node_modules", name));
  }
  await mkdir(path.join(dir, "content", "guides"), { recursive: true });
  await writeFile(path.join(dir, "content", "index.md"), "# Moved\n\nA project that moved.\n");
  await writeFile(path.join(dir, "content", "guides", "one.md"), "# One\n\nThe first guide.\n");
}

const buildIn = (dir: string) =>
  run(process.execPath, [path.join(dir, "site", "build.ts"), "--strict", "--quiet"], { cwd: dir, timeout: 120_000 });

describe("a moved project", () => {
  it("names each bundle by the code and the folder it was made for", () => {
    expect(bundleKey("abc", "/a/site")).not.toBe(bundleKey("abc", "/b/site"));
    expect(bundleKey("abc", "/a/site")).toBe(bundleKey("abc", "/a/site"));
  });

  it("builds again after the project folder, cache included, is copied elsewhere and the original removed", async () => {
    const base = await mkdtemp(path.join(tmpdir(), "statex-moved-"));
    dirs.push(base);
    const first = path.join(base, "first");
    await project(first);
    await buildIn(first);
    const cached = await readdir(path.join(first, "node_modules", ".cache", "statex-site"));
    expect(cached.some((f) => f.startsWith("builder-"))).toBe(true);

    // Moved: a copy with the cache, and nothing left where the bundles were made.
    const second = path.join(base, "second");
    await cp(first, second, { recursive: true, verbatimSymlinks: true });
    await rm(first, { recursive: true, force: true });
    await buildIn(second);
    const out = path.join(second, "dist", "site");
    expect(await readFile(path.join(out, "guides", "one", "index.html"), "utf8")).toContain("The first guide.");
    const css = (await readdir(path.join(out, "assets"))).filter((f) => f.endsWith(".css"));
    expect(css).toHaveLength(1);
    expect((await stat(path.join(out, "assets", css[0] ?? ""))).size).toBeGreaterThan(0);
    const moved = await readdir(path.join(second, "node_modules", ".cache", "statex-site"));
    expect(moved.filter((f) => f.startsWith("builder-")).length).toBeGreaterThan(
      cached.filter((f) => f.startsWith("builder-")).length,
    );
  }, 240_000);
});
