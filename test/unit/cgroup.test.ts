// cgroup v2 tier detection and set-up (host/agents/cgroup.ts) against a fake cgroup tree in a
// temp dir: the test machines have no delegated cgroup v2, so this is where the logic is checked.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CgroupTier, createCgroupTier, detectCgroup, type CgroupEnv } from '../../host/agents/cgroup';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function fakeTree(opts: { top?: string; own?: string; path?: string } = {}): CgroupEnv {
  const root = mkdtempSync(join(tmpdir(), 'agbg-cg-'));
  dirs.push(root);
  const path = opts.path ?? '/user.slice/agbg.scope';
  if (opts.top !== undefined) writeFileSync(join(root, 'cgroup.controllers'), opts.top);
  const own = join(root, path);
  mkdirSync(own, { recursive: true });
  if (opts.own !== undefined) writeFileSync(join(own, 'cgroup.controllers'), opts.own);
  writeFileSync(join(own, 'cgroup.procs'), '');
  writeFileSync(join(own, 'cgroup.subtree_control'), '');
  const self = join(root, 'self-cgroup');
  writeFileSync(self, `0::${path}\n`);
  return { root, selfCgroupFile: self, pid: 4242 };
}

describe('detectCgroup', () => {
  it('says why not on cgroup v1 / hybrid machines (no cgroup.controllers at the root)', async () => {
    const d = await detectCgroup(fakeTree({}));
    assert.equal(d.usable, false);
    assert.match((d as { reason: string }).reason, /no cgroup v2 hierarchy/);
  });

  it("needs the cpu controller at the top and delegated to the host's cgroup", async () => {
    assert.match(
      ((await detectCgroup(fakeTree({ top: 'memory io' }))) as { reason: string }).reason,
      /cpu controller is not enabled/,
    );
    assert.match(
      ((await detectCgroup(fakeTree({ top: 'cpu memory', own: 'memory' }))) as { reason: string }).reason,
      /not delegated/,
    );
  });

  it('is usable with cpu delegated to a writable cgroup', async () => {
    const env = fakeTree({ top: 'cpuset cpu io memory pids', own: 'cpu memory pids' });
    const d = await detectCgroup(env);
    assert.deepEqual(d, { usable: true, dir: join(env.root, '/user.slice/agbg.scope') });
  });

  it('this machine: a tier or a reason, never a throw', async () => {
    const t = await createCgroupTier((await import('../../host/logger')).nullLogger);
    assert.ok(t instanceof CgroupTier || typeof t.reason === 'string');
  });
});

describe('CgroupTier', () => {
  it('moves the host into a leaf, enables +cpu, and puts each group in its own cgroup with cpu.max', async () => {
    const env = fakeTree({ top: 'cpu', own: 'cpu' });
    const dir = join(env.root, '/user.slice/agbg.scope');
    mkdirSync(join(dir, 'agbg-999')); // left by a host killed -9: removed when empty
    const tier = new CgroupTier(dir, env);
    const cg = await tier.place(5000, 25);
    assert.ok(cg);
    assert.equal(tier.usable, true);
    assert.equal(readFileSync(join(dir, 'agbg-host-4242', 'cgroup.procs'), 'utf8'), '4242');
    assert.equal(readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8'), '+cpu');
    assert.equal(readFileSync(join(dir, 'agbg-5000', 'cpu.max'), 'utf8'), '25000 100000');
    assert.equal(readFileSync(join(dir, 'agbg-5000', 'cgroup.procs'), 'utf8'), '5000');
    assert.equal(existsSync(join(dir, 'agbg-999')), false);
    assert.equal(await cg.add(5001), true);
    assert.ok(cg.moved.has(5001));
    // a real cgroup dir holds only kernel files; the fake one must be emptied before rmdir
    rmSync(join(cg.dir, 'cpu.max'));
    rmSync(join(cg.dir, 'cgroup.procs'));
    await cg.remove();
    assert.equal(existsSync(cg.dir), false);
  });

  it('falls back (undefined, with a reason) when the controller cannot be enabled', async () => {
    const env = fakeTree({ top: 'cpu', own: 'cpu' });
    const dir = join(env.root, '/user.slice/agbg.scope');
    rmSync(join(dir, 'cgroup.subtree_control'));
    mkdirSync(join(dir, 'cgroup.subtree_control')); // writing to it fails, like EBUSY would
    const tier = new CgroupTier(dir, env);
    assert.equal(await tier.place(5000, 25), undefined);
    assert.equal(tier.usable, false);
    assert.match(tier.reason!, /cannot enable the cpu controller/);
    // the host went back to its own cgroup
    assert.equal(readFileSync(join(dir, 'cgroup.procs'), 'utf8'), '4242');
  });
});
