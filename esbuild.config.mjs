// Bundles the host, the CLI and the built-in agents into dist/ (CommonJS, Node 20).
// The host runs on VS Code's Electron Node and on system Node, so no native modules are bundled.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
};

const builds = [
  { entryPoints: { host: 'host/main.ts' }, outdir: 'dist' },
  { entryPoints: { cli: 'host/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: { 'builtin-secrets': 'host/builtin/secretsMain.ts' }, outdir: 'dist' },
];

if (watch) {
  for (const b of builds) (await esbuild.context({ ...common, ...b })).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build({ ...common, ...b })));
}
