/**
 * `npm run deploy -- --env staging|production [--plan]`
 *
 * 1. `npm test`: types, lint, typecheck, site build, workflow lint, bundle budget, every test.
 * 2. `wrangler d1 migrations apply DB --remote`: the schema moves before the code that needs it.
 *    Migrations must therefore be additive (expand, deploy, contract later), because the old
 *    code keeps serving until step 3 finishes.
 * 3. `wrangler deploy`: the new code goes live.
 *
 * Each step stops the deploy when it fails. `--plan` prints the steps without running them.
 * Authentication is wrangler's own: `CLOUDFLARE_API_TOKEN` (+ `CLOUDFLARE_ACCOUNT_ID`) in CI,
 * `wrangler login` on a workstation.
 */
import { parseArgs } from "node:util";
import { tool } from "./run.ts";
import { DEPLOY_ENVIRONMENTS, type DeployEnvironment, databaseFor } from "./wrangler-config.ts";

/** The commands a deploy to `env` runs, in order. */
export function deploySteps(env: DeployEnvironment): { title: string; command: string; args: string[] }[] {
  return [
    { title: "test", command: "npm", args: ["test"] },
    {
      title: `migrate D1 ${databaseFor(env)}`,
      command: "wrangler",
      args: ["d1", "migrations", "apply", "DB", "--remote", "--env", env],
    },
    { title: "deploy the Worker", command: "wrangler", args: ["deploy", "--env", env] },
  ];
}

function main() {
  const { values } = parseArgs({ options: { env: { type: "string" }, plan: { type: "boolean", default: false } } });
  const env = values.env as DeployEnvironment | undefined;
  if (!env || !DEPLOY_ENVIRONMENTS.includes(env)) {
    console.error(`usage: npm run deploy -- --env ${DEPLOY_ENVIRONMENTS.join("|")} [--plan]`);
    process.exit(2);
  }
  const steps = deploySteps(env);
  steps.forEach((s, i) => {
    console.log(`[${i + 1}/${steps.length}] ${s.title}: ${s.command} ${s.args.join(" ")}`);
    // CI=true keeps wrangler from prompting (the migrations confirmation) when run unattended.
    if (!values.plan) tool(s.command, s.args, { stdio: "inherit", env: { CI: "true" } });
  });
  if (!values.plan) console.log(`deployed to ${env}`);
}

if (import.meta.main) main();
