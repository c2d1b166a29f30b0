// The `agentic-bg` launcher the extension writes (common/launcher.ts), run by a real shell against
// a copy of dist/ laid out as installed extensions are: it runs the CLI with node from PATH or the
// editor's runtime, follows an update to a newer versioned folder, and once the extension is gone
// explains itself (exit 2) instead of a stack trace. Plus the Windows refusal of the CLI.
import { cpSync, existsSync, mkdirSync, readFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launcherScript, shellQuote } from '../../common/launcher';
import { CLI, NODE, ROOT } from './helpers';
import { runProcess } from '../support/run';

async function sh(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string; err: string }> {
  const r = await runProcess(file, args, { env });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), "agbg-launch-it's-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const exts = join(tmp, 'extensions');
const install = (version: string) => {
  const dir = join(exts, `agentic.agentic-background-${version}`);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'dist', 'cli.js'), join(dir, 'dist', 'cli.js'));
  writeFileSync(join(dir, 'dist', 'VERSION'), version);
  return dir;
};
/** a PATH with sh's basic tools but no node */
const noNode = join(tmp, 'bin-no-node');
mkdirSync(noNode);
for (const t of ['ls', 'sort', 'echo']) symlinkSync(`/usr/bin/${t}`, join(noNode, t));
symlinkSync('/bin/sh', join(noNode, 'sh'));

describe('the agentic-bg launcher', () => {
  const first = install('0.1.0');
  const launcher = join(tmp, 'agentic-bg');
  // stands in for the editor's runtime: notes each use (and that it was run as Node), then is Node
  const editor = join(tmp, 'editor runtime');
  const used = join(tmp, 'editor-used');
  writeFileSync(
    editor,
    `#!/bin/sh\necho "$ELECTRON_RUN_AS_NODE" >> ${shellQuote(used)}\nexec ${shellQuote(NODE)} "$@"\n`,
    { mode: 0o755 },
  );
  const editorUses = () => (existsSync(used) ? readFileSync(used, 'utf8').split('\n').filter(Boolean) : []);
  writeFileSync(
    launcher,
    launcherScript({
      cli: join(first, 'dist', 'cli.js'),
      runtime: editor,
      extensionsDir: exts,
      folderPrefix: 'agentic.agentic-background-',
    }),
    { mode: 0o755 },
  );

  it('runs the CLI with node from PATH', async () => {
    const r = await sh(launcher, ['--help'], { PATH: `${join(NODE, '..')}:/usr/bin:/bin` });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^agentic-bg — background agents/m);
    assert.deepEqual(editorUses(), [], "node from PATH ran it, not the editor's runtime");
  });

  it("without node on PATH it runs the CLI on the editor's runtime", async () => {
    const r = await sh(launcher, ['--help'], { PATH: noNode });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^agentic-bg — background agents/m);
    assert.deepEqual(editorUses(), ['1'], 'the editor runtime ran it, with ELECTRON_RUN_AS_NODE=1');
  });

  it('after an update it finds the newest installed version; once removed it explains itself', async () => {
    install('0.2.0');
    install('0.10.0');
    rmSync(first, { recursive: true });
    const r = await sh(launcher, ['status', '--workspace', tmp], { PATH: `${join(NODE, '..')}:/usr/bin:/bin` });
    assert.equal(r.code, 3, r.err); // the CLI of 0.10.0 ran: no host is running there
    assert.match(r.err, /no host is running/);
    rmSync(exts, { recursive: true });
    const gone = await sh(launcher, ['--help'], { PATH: `${join(NODE, '..')}:/usr/bin:/bin` });
    assert.equal(gone.code, 2);
    assert.equal(gone.out, '');
    assert.match(gone.err, /extension this launcher belongs to is no longer installed/);
    assert.doesNotMatch(gone.err, /at .*\.js:\d+/, 'no stack trace');
  });

  it('picks 0.10.0 over 0.2.0 (version order, not text order)', async () => {
    const newer = install('0.10.0');
    install('0.2.0');
    // the CLI prints its path in no output, so look at which copy the shell would exec
    const probe = join(tmp, 'probe.sh');
    writeFileSync(
      probe,
      launcherScript({
        cli: '/nonexistent/cli.js',
        runtime: NODE,
        extensionsDir: exts,
        folderPrefix: 'agentic.agentic-background-',
      }).replace(/\nif command -v node[\s\S]*$/, '\necho "$cli"\n'),
      { mode: 0o755 },
    );
    const r = await sh(probe, [], { PATH: '/usr/bin:/bin' });
    assert.equal(r.out.trim(), join(newer, 'dist', 'cli.js'));
  });
});

describe('Windows', () => {
  it('the CLI exits 2 with one clear message naming what Windows support needs', async () => {
    const r = await sh(NODE, [CLI, 'status'], { ...process.env, AGENTIC_PLATFORM: 'win32' });
    assert.equal(r.code, 2);
    assert.match(r.err, /does not support Windows yet/);
    assert.match(r.err, /named pipes and Job Objects/);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  });
});
