// ESLint 9 flat config: the gates `npm run lint` holds every TypeScript file to. Type-aware promise
// rules (a lost rejection kills the host or hides a failure), and the import boundaries between the
// layers that ARCHITECTURE.md ("Code map") describes. Formatting is Prettier's job, not ESLint's.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const bareBuiltins = builtinModules.filter((m) => !m.startsWith('_') && !m.startsWith('node:'));

/** `no-restricted-imports` patterns: import specifiers a layer may not use, with the reason. */
const forbid = (message, ...group) => ({ group, message });
const noVscode = forbid('only the extension (src/) and its in-VS Code tests may import vscode', 'vscode');
const noHost = forbid('host/ is the host process: src/ and common/ never import it', '**/host', '**/host/**');
const noSrc = forbid('src/ is the extension: host/ and common/ never import it', '**/src', '**/src/**');

export default defineConfig(
  {
    ignores: ['dist/', 'out/', 'node_modules/', '.vscode-test/', '.code-server/', '.agentic/', 'test/fixtures/'],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: fileURLToPath(new URL('.', import.meta.url)) },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // node:test runs and awaits what describe/it/test return itself
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  // common/*.ts: shared by the extension, the CLI and the host, so neither vscode nor Node
  {
    files: ['common/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: bareBuiltins.map((name) => ({
            name,
            message: 'common/*.ts runs everywhere: Node code goes in common/node/',
          })),
          patterns: [
            noVscode,
            noHost,
            noSrc,
            forbid('common/*.ts runs everywhere: Node code goes in common/node/', 'node:*', './node', './node/**'),
          ],
        },
      ],
    },
  },
  // common/node/: Node is fine, the two sides are not
  {
    files: ['common/node/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noVscode, noHost, noSrc] }] },
  },
  // host/: the host process, the CLI, the SDK and the built-in agents
  {
    files: ['host/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noVscode, noSrc] }] },
  },
  // src/: the extension runs in VS Code's extension host, whose event loop is every extension's:
  // no synchronous file or process calls
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noHost,
            {
              group: ['fs', 'node:fs', 'child_process', 'node:child_process'],
              importNamePattern: 'Sync$',
              message: 'the extension never blocks its host: use the async API',
            },
          ],
        },
      ],
    },
  },
);
