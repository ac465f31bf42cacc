/**
 * The house's import rules (`npm run lint:arch`, part of `npm test`): arrows run one way,
 * workers/ → shared/, workers/ → durable-objects/ (typed RPC), durable-objects/ → shared/,
 * site/ → shared/. `docs/architecture.md` draws them.
 *
 * TypeScript 7 has no JavaScript API yet, so swc parses; `tsPreCompilationDeps` still keeps
 * type-only imports (dependency-cruiser's "missing-tsc-transpiler" notice is printed anyway and
 * can be ignored: with swc as the parser every import is seen).
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "An import circle: split the shared part out.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "shared-is-the-core",
      comment: "shared/ is the domain: it knows no HTTP route, queue consumer, email handler or object.",
      severity: "error",
      from: { path: "^shared/" },
      to: { path: "^(workers|durable-objects|site|ops|test)/" },
    },
    {
      name: "objects-call-the-domain",
      comment: "Durable Objects are thin: they call the domain in shared/, never a handler.",
      severity: "error",
      from: { path: "^durable-objects/" },
      to: { path: "^(workers|site|ops|test)/" },
    },
    {
      name: "site-builds-from-shared",
      comment: "The site generator shares the site contract in shared/, nothing of the Worker.",
      severity: "error",
      from: { path: "^site/" },
      to: { path: "^(workers|durable-objects|ops|test)/" },
    },
    {
      name: "routes-only-from-the-app",
      comment: "A routes module is mounted by workers/app.ts; what others need lives in a service or repo.",
      severity: "error",
      from: { path: "^(workers|shared|durable-objects)/", pathNot: "^workers/app\\.ts$" },
      to: { path: "routes\\.tsx?$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    parser: "swc",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js"] },
  },
};
