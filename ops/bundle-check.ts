/**
 * `npm run bundle:check [-- --env production] [--budget-kib 1536]`
 *
 * Bundles the Worker exactly as `wrangler deploy` would (`--dry-run --outdir`: no account, no
 * network), prints its size raw and gzipped, and fails when the gzipped size reaches the
 * budget, so a heavy dependency cannot slip in unnoticed. Cloudflare's own limits are 3 MiB
 * gzipped (Workers Free) and 10 MiB (Paid).
 *
 * The budget was 1 MiB until offline PDF extraction arrived: `unpdf` (pdf.js) alone is about
 * 500 KiB gzipped, Sentry about 100 KiB, and the rest of the platform about 800 KiB. It is now
 * 1.5 MiB — room for those deliberate engines, and still a hard stop for the next heavy
 * dependency. Staging and production bundles are minified (`minify = true`, with source maps
 * uploaded): 1,526 KiB gzipped unminified became 1,279 KiB when notifications landed. Known trims, if the room is needed: `tinyld` → a smaller detector (~200 KiB),
 * only the stop-word lists we use (~60 KiB).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { wrangler } from "./run.ts";

const { values } = parseArgs({
  options: {
    env: { type: "string", default: "production" },
    "budget-kib": { type: "string", default: "1536" },
  },
});
const budget = Number(values["budget-kib"]) * 1024;
const kib = (n: number) => `${(n / 1024).toFixed(2)} KiB`;

const outdir = mkdtempSync(path.join(tmpdir(), "statex-bundle-"));
try {
  wrangler(["deploy", "--dry-run", "--outdir", outdir, "--env", values.env], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  // Everything that is uploaded as a module; source maps and wrangler's README are not.
  const modules = readdirSync(outdir, { recursive: true, withFileTypes: true }).filter(
    (f) => f.isFile() && !f.name.endsWith(".map") && f.name !== "README.md",
  );
  let raw = 0;
  let gzipped = 0;
  for (const f of modules) {
    const bytes = readFileSync(path.join(f.parentPath, f.name));
    raw += bytes.byteLength;
    gzipped += gzipSync(bytes).byteLength;
  }
  const share = ((100 * gzipped) / budget).toFixed(0);
  console.log(
    `bundle (${values.env}): ${modules.length} module(s), ${kib(raw)}, gzip ${kib(gzipped)} — budget ${kib(budget)} (${share}%)`,
  );
  if (modules.length === 0 || gzipped >= budget) {
    console.error(`bundle over budget: gzip ${kib(gzipped)} >= ${kib(budget)}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
