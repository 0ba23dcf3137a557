// dependency-cruiser: the module contract (issue "One module contract"). Run with `npm run depcruise`.
//
//   src/modules/<name>/index.ts   a module's public face: the only file of a module that anything outside it imports
//   src/modules/index.ts          the module list: imports each module's index.ts
//   src/platform/**               knows no farm domain: imports no module, nor the app or server that assemble them
//
// Type-only imports count like any other (tsPreCompilationDeps), and `./x.js` specifiers resolve to the `./x.ts` files
// TypeScript reads.

/** A file inside a module folder, capturing the module's name. */
const IN_MODULE = '^src/modules/([^/]+)/';
/** A module's public face. */
const MODULE_INDEX = '^src/modules/[^/]+/index\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'No cycles in src/, type-only imports included: break one by moving the shared piece down ' +
        '(into the module that owns it, or into src/platform) or by passing it in.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'module-internals-private',
      severity: 'error',
      comment:
        "A module imports another module only through that module's index.ts (src/modules/<b>/index.ts); " +
        'everything else in src/modules/<b>/ is private to it.',
      from: { path: IN_MODULE },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', MODULE_INDEX] },
    },
    {
      name: 'outside-imports-module-index-only',
      severity: 'error',
      comment:
        'Files outside the module folders (src/app.ts, src/server.ts, src/main.ts, src/cli/**, src/platform/**, and the ' +
        'module list src/modules/index.ts) import a module only through its index.ts.',
      from: { path: '^src/', pathNot: IN_MODULE },
      to: { path: '^src/modules/[^/]+/', pathNot: MODULE_INDEX },
    },
    {
      name: 'platform-knows-no-domain',
      severity: 'error',
      comment:
        'src/platform/** is farm-agnostic: it imports no module (src/modules/**) and not the app or server that ' +
        'assemble them (src/app.ts, src/server.ts, src/main.ts, src/cli/**). Pass what it needs in instead.',
      from: { path: '^src/platform/' },
      to: { path: ['^src/modules/', '^src/(app|server|main)\\.ts$', '^src/cli/'] },
    },
    {
      name: 'tools-import-module-index-only',
      severity: 'error',
      comment:
        'Tests and their helpers in test/, benches and scripts use a module only through its index.ts, as any other ' +
        'outside code does; ' +
        "tests of a module's internals live beside them in src/modules/<name>/.",
      from: { path: '^(test|bench|scripts)/' },
      to: { path: '^src/modules/[^/]+/', pathNot: MODULE_INDEX },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing: a typo, a file moved without its importers, or a missing package.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // The cruise starts at the paths given on the command line (src test) and never goes into node_modules.
    // (No includeOnly: it would hide imports that resolve to nothing from the not-to-unresolvable rule.)
    doNotFollow: { path: 'node_modules' },
    moduleSystems: ['es6', 'cjs'],
    // Count `import type` and type-only re-exports: a cycle through types is still a cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'types', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
