// npm run test:electron — the same in-VS Code suite through @vscode/test-electron, for machines
// that can download VS Code (these cannot: npm run test:vscode uses code-server instead).
// Runs the trusted suite on a fresh copy of test/fixtures/vscode-ws.
import { runTests } from '@vscode/test-electron';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

async function main(): Promise<void> {
  const root = resolve(__dirname, '..', '..');
  const dir = mkdtempSync(join(tmpdir(), 'agbg-electron-'));
  const workspace = join(dir, 'ws');
  cpSync(join(root, 'test', 'fixtures', 'vscode-ws'), workspace, { recursive: true });
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out', 'test', 'vscode', 'index'),
    launchArgs: [
      workspace,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--user-data-dir',
      join(dir, 'user-data'),
    ],
    extensionTestsEnv: { AGENTIC_TEST_MODE: 'trusted', XDG_RUNTIME_DIR: dir, AGENTIC_IDLE_GRACE_MS: '3000' },
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
});
