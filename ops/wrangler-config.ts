/**
 * The few facts the operations scripts need from wrangler.toml, read from the file itself so
 * that it stays the one place where environments are described.
 */
import { readFileSync } from "node:fs";

const CONFIG = new URL("../wrangler.toml", import.meta.url);

/** The environments deploys may target; the top level is local development only. */
export const DEPLOY_ENVIRONMENTS = ["staging", "production"] as const;
export type DeployEnvironment = (typeof DEPLOY_ENVIRONMENTS)[number];

/** The bodies of every `[[<name>]]` table array in wrangler.toml, e.g. `env.staging.r2_buckets`. */
function tableArrays(name: string): string[] {
  const text = readFileSync(CONFIG, "utf8");
  const header = `[[${name}]]`;
  const out: string[] = [];
  for (const part of text.split(/^(?=\[)/m)) {
    if (part.startsWith(`${header}\n`)) out.push(part.slice(header.length));
  }
  return out;
}

const field = (body: string, key: string) => new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, "m").exec(body)?.[1];

/** The bucket behind the `FILES` binding in `env` (the top level when `env` is undefined). */
export function bucketFor(env: string | undefined): string {
  const section = env ? `env.${env}.r2_buckets` : "r2_buckets";
  const bucket = tableArrays(section)
    .filter((b) => field(b, "binding") === "FILES")
    .map((b) => field(b, "bucket_name"))[0];
  if (!bucket) throw new Error(`wrangler.toml has no FILES bucket for ${env ?? "the top level"}`);
  return bucket;
}

/** The D1 database name behind the `DB` binding in `env`. */
export function databaseFor(env: string | undefined): string {
  const section = env ? `env.${env}.d1_databases` : "d1_databases";
  const name = tableArrays(section)
    .filter((b) => field(b, "binding") === "DB")
    .map((b) => field(b, "database_name"))[0];
  if (!name) throw new Error(`wrangler.toml has no DB database for ${env ?? "the top level"}`);
  return name;
}
