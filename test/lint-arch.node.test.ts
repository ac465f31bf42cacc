import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { lintArch, MAX_LINES } from "../ops/lint-arch";

/** A throwaway tree with the repo's folder names, so each rule can be planted and seen refused. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "lint-arch-"));
  writeFileSync(path.join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "es2022" } }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  roots.push(root);
  return root;
}
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

const clean = {
  "shared/core.ts": "export const core = 1;\n",
  "durable-objects/job.ts": 'import { core } from "../shared/core";\nexport const job = core;\n',
  "workers/things/routes.ts": 'import { core } from "../../shared/core";\nexport const routes = core;\n',
  "workers/app.ts": 'import { routes } from "./things/routes";\nexport const app = routes;\n',
};

describe("npm run lint:arch", () => {
  it("passes a tree that keeps the rules", () => {
    expect(lintArch(tree(clean))).toEqual({ ok: true, imports: "", long: [] });
  });

  it("refuses a handler imported into shared/ or into a Durable Object", () => {
    const report = lintArch(
      tree({
        ...clean,
        "shared/core.ts": 'import { app } from "../workers/app";\nexport const core = app;\n',
        "durable-objects/job.ts": 'import { routes } from "../workers/things/routes";\nexport const job = routes;\n',
      }),
    );
    expect(report.ok).toBe(false);
    expect(report.imports).toContain("shared-is-the-core: shared/core.ts → workers/app.ts");
    expect(report.imports).toContain("objects-call-the-domain: durable-objects/job.ts → workers/things/routes.ts");
  });

  it("refuses a routes module imported by anything but the app, type-only imports included", () => {
    const report = lintArch(
      tree({
        ...clean,
        "workers/client.ts": 'import type { routes } from "./things/routes";\nexport type R = typeof routes;\n',
      }),
    );
    expect(report.imports).toContain("routes-only-from-the-app: workers/client.ts → workers/things/routes.ts");
  });

  it("refuses an import circle", () => {
    const report = lintArch(
      tree({
        ...clean,
        "shared/a.ts": 'import { b } from "./b";\nexport const a = () => b;\n',
        "shared/b.ts": 'import { a } from "./a";\nexport const b = () => a;\n',
      }),
    );
    expect(report.imports).toContain("no-circular");
  });

  it(`refuses a source file over ${MAX_LINES} lines in the core folders only`, () => {
    const long = "export const x = 1;\n".repeat(MAX_LINES + 1);
    const report = lintArch(tree({ ...clean, "workers/long.ts": long, "site/long.ts": long }));
    expect(report.long).toEqual([`workers/long.ts: ${MAX_LINES + 1} lines (at most ${MAX_LINES})`]);
    expect(report.ok).toBe(false);
  });
});
