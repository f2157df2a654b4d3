// The import-cycle check of `npm test` (scripts/test.mjs). It reads TypeScript through the
// compiler API, type-only imports included (tsPreCompilationDeps), since a cycle of types is
// still a cycle a reader has to untangle.
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Open cycles with a leaf module of shared types.",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules" },
  },
};
