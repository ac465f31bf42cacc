/**
 * The site's CSS and search script (`assets/`), copied into the output's `/assets/` under
 * fingerprinted names (the first ten hex digits of their sha256), so they can be cached
 * forever; earlier versions are removed.
 */
import { hash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { siteDir } from "./bundle.ts";
import type { AssetUrls } from "./templates.ts";

/** Writes the fingerprinted assets and returns their URLs. */
export async function writeAssets(outDir: string): Promise<AssetUrls> {
  const dir = path.join(outDir, "assets");
  await mkdir(dir, { recursive: true });
  const out: Record<string, string> = {};
  for (const [key, name] of [
    ["css", "site.css"],
    ["js", "search.js"],
  ] as const) {
    const body = await readFile(path.join(siteDir, "assets", name));
    const [base, ext] = name.split(".");
    const fingerprinted = `${base}.${hash("sha256", body, "hex").slice(0, 10)}.${ext}`;
    await writeFile(path.join(dir, fingerprinted), body);
    out[key] = `/assets/${fingerprinted}`;
  }
  const current = new Set(Object.values(out).map((u) => path.basename(u)));
  for (const f of await readdir(dir)) if (!current.has(f)) await rm(path.join(dir, f), { force: true });
  return out as unknown as AssetUrls;
}
