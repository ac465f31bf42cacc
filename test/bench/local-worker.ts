/**
 * What the benchmarks share: the Worker bundled as `wrangler deploy --dry-run` bundles it,
 * Miniflare options from wrangler.toml (remote-only bindings and static assets left out),
 * local storage on a tmpfs, and the migrations applied to a fresh D1.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { convertV4MiniflareOptions, Miniflare, type V4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

export const root = path.resolve(import.meta.dirname, "../..");
const quiet = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };

// Miniflare keeps its local D1, R2, Queues and Durable Object storage under the temporary
// directory; on a tmpfs the disk does not decide the figures (intake: about +50 % req/s here).
if (!process.env.TMPDIR && existsSync("/dev/shm")) {
  process.env.TMPDIR = "/dev/shm/statex-bench-workerd";
  mkdirSync(process.env.TMPDIR, { recursive: true });
}

/** Bundles the Worker into `outdir` (emptied first); returns the module's path. */
export function bundleWorker(outdir: string): string {
  rmSync(outdir, { recursive: true, force: true });
  const bundled = spawnSync(
    process.execPath,
    [
      path.join(root, "node_modules", "wrangler", "bin", "wrangler.js"),
      "deploy",
      "--dry-run",
      "--env=",
      "--outdir",
      outdir,
    ],
    { cwd: root, env: { ...process.env, ...quiet }, stdio: ["ignore", "ignore", "inherit"] },
  );
  if (bundled.status !== 0) throw new Error("bundling the Worker failed");
  return path.join(outdir, "index.js");
}

/**
 * The real Worker in Miniflare with wrangler.toml's bindings, the `local` AI provider and the
 * per-key rate limit out of the way. `queueConsumers: false` leaves the queues unconsumed;
 * `assets: true` serves the built site (`dist/site`) as wrangler.toml's `[assets]` says, for
 * benches that need the company's pages (retrieval); `bindings` override wrangler.toml's vars.
 */
export function localWorker(
  modulePath: string,
  options: {
    queueConsumers?: boolean;
    assets?: boolean;
    bindings?: Record<string, string>;
    extra?: Partial<V4MiniflareOptions>;
  } = {},
): Miniflare {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
  const {
    ai: _ai,
    vectorize: _vectorize,
    assets: _assets,
    modulesRules: _rules,
    queueConsumers,
    ...rest
  } = workerOptions as Record<string, unknown>;
  return new Miniflare(
    convertV4MiniflareOptions({
      ...options.extra,
      workers: [
        {
          ...(rest as object),
          ...(options.queueConsumers === false ? {} : { queueConsumers }),
          ...(options.assets ? { assets: _assets } : {}),
          name: "statex-edge",
          // `wrangler deploy --dry-run` bundles everything into one module.
          modules: [{ type: "ESModule", path: modulePath }],
          bindings: {
            ...((rest as { bindings?: Record<string, unknown> }).bindings ?? {}),
            AI_PROVIDER: "local",
            // The benches measure intake and the pipeline, not the per-key limit.
            API_RATE_LIMIT_PER_MINUTE: "1000000000",
            ...options.bindings,
          },
        },
      ],
    } as V4MiniflareOptions),
  );
}

/** Applies every migration, in order, as `wrangler d1 migrations apply` would. */
export async function migrate(mf: Miniflare): Promise<D1Database> {
  const d1 = (await mf.getD1Database("DB")) as unknown as D1Database;
  for (const file of readdirSync(path.join(root, "migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const statement of readFileSync(path.join(root, "migrations", file), "utf8").split(
      "--> statement-breakpoint",
    )) {
      // A custom migration may hold a chunk of comments alone, which D1 refuses.
      if (statement.replace(/^\s*--.*$/gm, "").trim()) await d1.prepare(statement).run();
    }
  }
  return d1;
}
