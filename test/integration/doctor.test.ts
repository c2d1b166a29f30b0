// agentic-bg doctor with conditions forced on a real machine: a runtime dir with the wrong mode or
// owner, a missing agent command, a full journal disk (a 1 MiB tmpfs), no bubblewrap on PATH, a
// running host; and --self-test, which must pass here.
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  chmodSync,
  chownSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  rmSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DoctorCheck, DoctorReport, SelfTestReport } from '../../common/doctor';
import { CLI, NODE, ROOT, RUNTIME, cleanup, cli, makeWorkspace } from './helpers';
import { runProcess, type Ran as Run } from '../support/run';

function doctor(ws: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runProcess(NODE, [CLI, 'doctor', ...args, '--workspace', ws], {
    env: { ...process.env, XDG_RUNTIME_DIR: RUNTIME, ...env },
    timeoutMs: 120_000,
  });
}

async function report(ws: string, env: NodeJS.ProcessEnv = {}, extra: string[] = []) {
  const r = await doctor(ws, ['--json', ...extra], env);
  return { code: r.code, report: JSON.parse(r.stdout) as DoctorReport, stderr: r.stderr };
}

const check = (r: DoctorReport, id: string): DoctorCheck => {
  const c = r.checks.find((x) => x.id === id);
  assert.ok(c, `no check ${id} in ${r.checks.map((x) => x.id).join(', ')}`);
  return c;
};

const isRoot = process.getuid?.() === 0;
const workspaces: string[] = [];
const ws = (config?: string) => {
  const w = makeWorkspace(config);
  workspaces.push(w);
  return w;
};
after(async () => {
  for (const w of workspaces) await cleanup(w);
});

describe('agentic-bg doctor', () => {
  it('says ✓ for a sound machine and workspace, prints a line per check and exits 0', async () => {
    const w = ws();
    const r = await doctor(w, []);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^agentic-bg doctor ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version} · `, 'm'),
    );
    assert.match(r.stdout, /^✓ runtime: Node /m);
    assert.match(r.stdout, /^✓ file watcher: @parcel\/watcher \d+\.\d+\.\d+ loads here/m);
    assert.match(r.stdout, /^✓ runtime dir: /m);
    assert.match(r.stdout, /^✓ journal: .* writable, \d+ MiB free/m);
    assert.match(r.stdout, /^✓ config: no agentic_config.yaml: the built-in default/m);
    assert.match(r.stdout, /\d+ ok, \d+ warning\(s\), 0 problem\(s\)/);
  });

  it('a runtime dir other users can enter is ⚠ with chmod as the fix; one owned by another user is ✗', async () => {
    const rt = mkdtempSync(join(tmpdir(), 'agbg-rt-doc-'));
    workspaces.push(rt);
    mkdirSync(join(rt, 'agentic-bg'));
    chmodSync(join(rt, 'agentic-bg'), 0o755);
    const w = ws();
    const open = await report(w, { XDG_RUNTIME_DIR: rt });
    const c = check(open.report, 'runtime-dir');
    assert.equal(c.status, 'warn', JSON.stringify(c));
    assert.match(c.found, /mode 755/);
    assert.equal(c.fix, `chmod 700 ${join(rt, 'agentic-bg')}`);
    if (isRoot) {
      chownSync(join(rt, 'agentic-bg'), 4242, 4242);
      const foreign = await report(w, { XDG_RUNTIME_DIR: rt });
      const f = check(foreign.report, 'runtime-dir');
      assert.equal(f.status, 'fail', JSON.stringify(f));
      assert.match(f.found, /belongs to uid 4242/);
      assert.equal(foreign.code, 1);
    }
  });

  it('a runtime dir too long for a socket path is ⚠ naming the fallback and the lengths', async () => {
    const long = join(mkdtempSync(join(tmpdir(), 'agbg-long-')), 'x'.repeat(90));
    workspaces.push(long);
    const r = await report(ws(), { XDG_RUNTIME_DIR: long });
    const c = check(r.report, 'runtime-dir');
    assert.equal(c.status, 'warn', JSON.stringify(c));
    assert.match(c.found, /a fallback: .* is \d{3} bytes, over the 103-byte limit/);
    assert.match(c.fix ?? '', /shorter directory/);
    assert.equal(r.code, 0);
  });

  it('an agent whose command is not on PATH is ✗ with the config key to fix, and exit 1', async () => {
    const w = ws(`background:
  agents:
    lint:
      command: ["no-such-linter-xyz", "\${files}"]
    ok:
      command: ["${NODE}", "-e", "0"]
`);
    const r = await report(w);
    assert.equal(r.code, 1);
    const bad = check(r.report, 'agent:lint:command');
    assert.equal(bad.status, 'fail');
    assert.match(bad.found, /no-such-linter-xyz not found on PATH/);
    assert.match(bad.fix ?? '', /background\.agents\.lint\.command/);
    assert.equal(check(r.report, 'agent:ok:command').status, 'ok');
  });

  it('an invalid config is ✗ with line and column', async () => {
    const w = ws('background:\n  max_concurrent_agents: many\n');
    const r = await report(w);
    assert.equal(r.code, 1);
    const c = check(r.report, 'config');
    assert.equal(c.status, 'fail');
    assert.match(c.meaning ?? '', /agentic_config\.yaml:2:\d+/);
  });

  it('without bubblewrap on PATH the sandbox is ⚠ with the package to install', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'agbg-path-'));
    workspaces.push(bin);
    symlinkSync(NODE, join(bin, 'node'));
    const r = await report(ws(), { PATH: bin });
    const c = check(r.report, 'sandbox');
    assert.equal(c.status, 'warn');
    assert.match(c.found, /bubblewrap \(bwrap\) is not installed/);
    assert.match(c.fix ?? '', /apt-get install bubblewrap/);
    // and git is missing from that PATH too
    assert.match(check(r.report, 'git').found, /git not found on PATH/);
  });

  it(
    'a full journal disk is ✗ with the directory to free',
    { skip: !isRoot && 'needs root to mount a tmpfs' },
    async () => {
      const w = ws();
      const data = join(w, '.agentic');
      mkdirSync(data);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', data]);
      try {
        // fill it up: writes until ENOSPC
        try {
          for (let i = 0; ; i++) writeFileSync(join(data, `fill${i}`), Buffer.alloc(256 * 1024));
        } catch (err) {
          assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
        }
        const r = await report(w);
        const c = check(r.report, 'journal-dir');
        assert.equal(c.status, 'fail', JSON.stringify(c));
        assert.match(c.found, /\b0 MiB free/);
        assert.match(c.fix ?? '', /free space/);
        assert.equal(r.code, 1);
      } finally {
        for (const f of readdirSync(data)) rmSync(join(data, f), { force: true });
        execFileSync('umount', [data]);
      }
    },
  );

  it('reports a running host as ✓ with its watchdog', async () => {
    const w = ws();
    assert.equal((await cli(w, ['start'])).code, 0);
    const r = await report(w);
    const h = check(r.report, 'host');
    assert.equal(h.status, 'ok', JSON.stringify(h));
    assert.match(h.found, /^pid \d+, healthy/);
    assert.equal(check(r.report, 'watchdog').status, 'ok');
  });

  it('--agents: a dry run whose output does not parse in the declared format is ✗', async () => {
    const w = ws(`background:
  agents:
    liar:
      command: ["${NODE}", "-e", "console.log('this is not sarif')"]
      output: sarif
    honest:
      command: ["${NODE}", "-e", "console.log('a.js:1:2: error: boom')"]
      output: gcc
`);
    const r = await report(w, {}, ['--agents']);
    const liar = check(r.report, 'agent:liar:output');
    assert.equal(liar.status, 'fail', JSON.stringify(liar));
    assert.match(liar.found, /does not parse as/);
    const honest = check(r.report, 'agent:honest:output');
    assert.equal(honest.status, 'ok', JSON.stringify(honest));
    assert.match(honest.found, /1 finding/);
  });

  it('--self-test proves the limits on this machine and removes its scratch workspace', async () => {
    const r = await doctor(ws(), ['--self-test', '--json']);
    const rep = JSON.parse(r.stdout) as SelfTestReport;
    const failed = rep.results.filter((t) => t.status === 'fail');
    assert.deepEqual(failed, [], JSON.stringify(rep.results, null, 2));
    assert.deepEqual(
      rep.results.filter((t) => t.status === 'ok').map((t) => t.id),
      ['kill-9', 'timeout', 'memory', 'cpu', 'no-orphans', 'sandbox'],
    );
    assert.equal(r.code, 0);
    assert.throws(() => readdirSync(rep.scratch), /ENOENT/);
  });
});
