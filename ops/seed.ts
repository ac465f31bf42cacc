/**
 * `npm run db:seed`: the demo data for local development, never for a remote database. Each
 * SQL file is idempotent, and each R2 object is put again with the same bytes, so running it
 * on every `npm run dev` changes nothing after the first time.
 *
 * - `demo.sql`: the demo accounts and a request answered under the `auto` policy (its input and
 *   result in R2);
 * - `demo-review.sql`: a request under the `review` policy, seeded `queued`; `site/dev.ts`
 *   starts its job once wrangler listens, and it waits on the staff desk as a draft;
 * - `demo-mail.sql`: two weeks of mail analytics up to today, while nothing real is counted.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, wrangler } from "./run.ts";

const SEED = path.join("migrations", "seed");

const SQL_FILES = ["demo.sql", "demo-review.sql", "demo-mail.sql"];
const OBJECTS = [
  { key: "inputs/sub_01JF000000000000000000DEM0.json", file: "demo-input.json", type: "application/json" },
  { key: "results/sub_01JF000000000000000000DEM0.md", file: "demo-result.md", type: "text/markdown; charset=utf-8" },
  { key: "inputs/sub_01JF000000000000000000DEM1.json", file: "demo-review-input.json", type: "application/json" },
];

for (const file of SQL_FILES) wrangler(["d1", "execute", "DB", "--local", "--file", path.join(SEED, file)]);
for (const o of OBJECTS)
  wrangler([
    "r2",
    "object",
    "put",
    `statex-files/${o.key}`,
    "--local",
    "--file",
    path.join(SEED, o.file),
    "--content-type",
    o.type,
  ]);
process.stdout.write(readFileSync(path.join(ROOT, SEED, "welcome.txt"), "utf8"));
