/**
 * The generator's code as plain JavaScript bundles, made with esbuild once per version of the
 * generator (`codeHash`) and kept in `node_modules/.cache/statex-site/`: the build itself
 * (`builder`, loaded by `build.ts`), the worker thread's script (`render-worker`) and `page`
 * for the pages the main thread renders. Loading one bundle skips stripping the TypeScript of
 * a dozen module files (amaro runs as WebAssembly, ~1 ms per KB of source when cold) and
 * resolving them one by one. Falls back to the sources.
 *
 * A bundle has this folder's absolute path written in (its `import.meta.dirname`), so its
 * name carries a hash of that path as well as of the code: a project moved or copied with its
 * `node_modules/.cache/` makes bundles of its own instead of loading ones that point at the
 * old place.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** This folder (`site/`). In the builder bundle, esbuild writes in the real path. */
export const siteDir = import.meta.dirname;
export const root = path.resolve(siteDir, "..");

/** Code and assets under `dir` (relative to `root`), sorted. */
async function sources(dir: string): Promise<string[]> {
  const names = await readdir(path.join(root, dir), { recursive: true });
  return names
    .filter((f) => /\.(ts|css|js)$/.test(f))
    .map((f) => `${dir}/${f}`)
    .sort();
}

/**
 * Hash of the generator's own code and assets — this folder's, and the modules of `shared/`
 * it runs (the markdown renderer and what that imports): a change there invalidates every page.
 */
export async function codeHash(): Promise<string> {
  const names = [
    ...(await sources("site")).filter((f) => !f.startsWith("site/bench")),
    "shared/chars.ts",
    "shared/html.ts",
    "shared/markdown.ts",
    ...(await sources("shared/markdown")),
  ];
  const h = createHash("sha256");
  for (const n of names) h.update(n).update(await readFile(path.join(root, n)));
  return h.digest("hex");
}

/** File name part of a bundle: the code hash and this folder's path, hashed together. */
export const bundleKey = (code: string, dir = siteDir) =>
  createHash("sha256").update(code).update("\0").update(dir).digest("hex").slice(0, 16);

export async function bundled(name: "builder" | "render-worker" | "page", code: string): Promise<URL> {
  const source = path.join(siteDir, `${name}.ts`);
  try {
    const out = path.join(root, "node_modules", ".cache", "statex-site", `${name}-${bundleKey(code)}.mjs`);
    if (!existsSync(out)) {
      const esbuild = await import("esbuild");
      const result = await esbuild.build({
        entryPoints: [source],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node22",
        write: false,
        logLevel: "silent",
        // The bundle lives elsewhere; the code reads its own folder's assets and sources.
        define: { "import.meta.dirname": JSON.stringify(siteDir) },
        // Loaded only to make bundles, from node_modules.
        external: ["esbuild"],
        // CommonJS dependencies (xss) call require(); give the ESM bundle one.
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      });
      // Written aside and renamed, so a build running alongside never loads half a file.
      await mkdir(path.dirname(out), { recursive: true });
      const tmp = `${out}.${process.pid}.tmp`;
      await writeFile(tmp, result.outputFiles[0]?.contents ?? "");
      await rename(tmp, out);
    }
    return pathToFileURL(out);
  } catch {
    return pathToFileURL(source);
  }
}
