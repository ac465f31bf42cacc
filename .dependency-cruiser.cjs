module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    {
      name: "shared-is-core",
      severity: "error",
      from: { path: "^shared/" },
      to: { path: "^(workers|durable-objects|site|ops|test)/" },
    },
    {
      name: "objects-use-shared",
      severity: "error",
      from: { path: "^durable-objects/" },
      to: { path: "^(workers|site|ops|test)/" },
    },
    {
      name: "routes-only-from-app",
      severity: "error",
      from: { path: "^workers/", pathNot: "^workers/app\\.ts$" },
      to: { path: "routes\\.tsx?$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    parser: "swc",
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js"] },
    tsConfig: { fileName: "tsconfig.json" },
  },
};
