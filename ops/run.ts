/** Runs the project's wrangler the way npm scripts do, from any shell. */
import { type ExecFileSyncOptions, execFileSync } from "node:child_process";
import path from "node:path";

export const ROOT = path.join(import.meta.dirname, "..");
const BIN = path.join(ROOT, "node_modules", ".bin");

/**
 * No telemetry, no cf.json fetch, no update check; and node_modules/.bin first on PATH, because
 * wrangler needs the Node 22 that the `node` devDependency puts there (machines have Node 20).
 */
export const TOOL_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ""}`,
};

type ToolOptions = Omit<ExecFileSyncOptions, "env"> & { env?: Record<string, string> };

/**
 * Runs a command from node_modules/.bin (or PATH) in the project root; throws on failure.
 * `options.env` adds to the tool environment rather than replacing it.
 */
export function tool(command: string, args: string[], options: ToolOptions = {}): string {
  const out = execFileSync(command, args, {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 256 * 1024 * 1024,
    ...options,
    env: { ...TOOL_ENV, ...options.env },
  });
  return typeof out === "string" ? out : "";
}

export const wrangler = (args: string[], options: ToolOptions = {}) => tool("wrangler", args, options);
