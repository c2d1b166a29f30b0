// Bundles the host, the CLI and the built-in agents into dist/ (CommonJS, Node 20); the VS Code
// extension into dist/extension.js; the in-VS Code test suite into out/test/vscode/; and writes the
// JSON Schema of agentic_config.yaml (generated from the zod schema) to dist/.
// The host runs on VS Code's Electron Node and on system Node, so no native modules are bundled;
// @parcel/watcher (N-API, prebuilt per platform) stays external, required only when the host watches.
import * as esbuild from 'esbuild';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// package.json is the one place the version is written; the bundles get it as a constant
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  define: { __AGENTIC_VERSION__: JSON.stringify(version) },
};

// The host's config validator (zod, yaml: ~1 MB) is a file of its own, required only when a config
// must be validated (host/config/cache.ts): a host starting on a known config never parses it.
/** @type {esbuild.Plugin} */
const lazyValidator = {
  name: 'lazy-config-validator',
  setup(b) {
    b.onResolve({ filter: /^\.\/validator$/ }, (a) =>
      a.importer.endsWith('host/config/cache.ts') ? { path: './config-validator.js', external: true } : undefined,
    );
  },
};

// `agentic-bg doctor` is dist/doctor.js, required by the CLI only for that command.
/** @type {esbuild.Plugin} */
const lazyDoctor = {
  name: 'lazy-doctor',
  setup(b) {
    b.onResolve({ filter: /^\.\/doctor\/main$/ }, (a) =>
      a.importer.endsWith('host/cli.ts') ? { path: './doctor.js', external: true } : undefined,
    );
  },
};

const builds = [
  { entryPoints: { host: 'host/main.ts' }, outdir: 'dist', plugins: [lazyValidator], external: ['@parcel/watcher'] },
  { entryPoints: { 'config-validator': 'host/config/validator.ts' }, outdir: 'dist' },
  { entryPoints: { cli: 'host/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' }, plugins: [lazyDoctor] },
  { entryPoints: { doctor: 'host/doctor/main.ts' }, outdir: 'dist', plugins: [lazyValidator] },
  { entryPoints: { 'builtin-secrets': 'host/builtin/secretsMain.ts' }, outdir: 'dist' },
  // runs inside an agent's sandbox when it has a network allow-list (host/sandbox/bridge.ts)
  { entryPoints: { 'sandbox-bridge': 'host/sandbox/bridge.ts' }, outdir: 'dist' },
  // the agent SDK (vscode-jsonrpc bundled in): persistent agents require(process.env.AGENTIC_SDK)
  { entryPoints: { sdk: 'host/sdk/agent.ts' }, outdir: 'dist' },
  // the extension: 'vscode' is provided by the extension host at run time
  { entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  // the suite that runs inside a real VS Code (npm run test:vscode): one file per test module so
  // mocha can load them after it has set up its globals; mocha itself comes from node_modules
  {
    entryPoints: Object.fromEntries(
      readdirSync('test/vscode/suite')
        .filter((f) => f.endsWith('.ts'))
        .map((f) => [f.replace(/\.ts$/, ''), `test/vscode/suite/${f}`]),
    ),
    outdir: 'out/test/vscode',
    external: ['vscode', 'mocha'],
  },
];

/** dist/agentic_config.schema.json, contributed through `yamlValidation`, from configSchema.ts. */
async function writeJsonSchema() {
  const r = await esbuild.build({
    ...common,
    sourcemap: false,
    minify: false,
    entryPoints: ['common/jsonSchema.ts'],
    write: false,
  });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', r.outputFiles[0].text)(mod, mod.exports, () => undefined);
  mkdirSync('dist', { recursive: true });
  writeFileSync('dist/agentic_config.schema.json', JSON.stringify(mod.exports.configJsonSchema(), null, 2) + '\n');
}

if (watch) {
  for (const b of builds) (await esbuild.context({ ...common, ...b })).watch();
} else {
  await Promise.all([...builds.map((b) => esbuild.build({ ...common, ...b })), writeJsonSchema()]);
}
