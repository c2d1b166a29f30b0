// The host's workspace watching, in process with the real @parcel/watcher: turned on and off by
// the config, feeding the same router as clients' reports; and a watcher that cannot start (no
// prebuilt binary for the platform, or the OS refusing) leaves the host running, says why, and
// takes reported saves as before.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveConfig, type ResolvedConfig } from '../../common/configSchema';
import type { SubmitItem } from '../../common/protocol';
import { memoryLogger } from '../../host/logger';
import { SaveTriggers } from '../../host/triggers/saveTriggers';
import type { ParcelWatcher } from '../../host/triggers/workspaceWatcher';
import { until } from '../support/wait';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(watch: boolean, loadWatcher?: () => ParcelWatcher) {
  const ws = mkdtempSync(join(tmpdir(), 'agbg-watch-'));
  dirs.push(ws);
  const mk = (w: boolean): ResolvedConfig =>
    resolveConfig({
      background: {
        agents: { saa: { builtin: 'secrets' } },
        triggers: [{ on: 'save', files: 'src/**', agent: 'saa', task: 'audit', debounce: '50ms' }],
        watch: w,
      },
    });
  let config = mk(watch);
  const submitted: SubmitItem[] = [];
  const logger = memoryLogger();
  let changes = 0;
  const t = new SaveTriggers({
    workspace: ws,
    config: () => config,
    builtinOnly: false,
    submit: async (items) => (submitted.push(...items), items.map(() => ({}))),
    logger,
    watchFlag: false,
    onStateChange: () => changes++,
    ...(loadWatcher ? { loadWatcher } : {}),
  });
  return { ws, t, submitted, logger, changes: () => changes, setWatch: (w: boolean) => (config = mk(w)) };
}

describe('workspace watcher', () => {
  it('background.watch turns it on and off; a write while on is a save, one while off is not', async () => {
    const s = setup(true);
    await s.t.apply();
    assert.deepEqual(s.t.watch, { wanted: true, active: true });
    writeFileSync(join(s.ws, 'a.ts'), 'not under src/: matches no trigger\n');
    mkdirSync(join(s.ws, 'src'));
    writeFileSync(join(s.ws, 'src', 'a.ts'), 'x\n');
    await until(() => s.submitted.length >= 1, 10_000, 'the watched write to be submitted');
    assert.deepEqual(s.submitted, [{ agent: 'saa', task: 'audit', files: ['src/a.ts'] }]);

    s.setWatch(false);
    await s.t.apply();
    assert.deepEqual(s.t.watch, { wanted: false, active: false });
    writeFileSync(join(s.ws, 'src', 'a.ts'), 'y\n');
    // a report still works while nothing watches; the write before it was not seen
    writeFileSync(join(s.ws, 'src', 'b.ts'), 'b\n');
    await s.t.saved({ files: ['src/b.ts'], source: 'test' });
    await until(() => s.submitted.length === 2, 10_000, 'the reported save to be submitted');
    assert.deepEqual(s.submitted[1], { agent: 'saa', task: 'audit', files: ['src/b.ts'] });
    assert.ok(s.changes() >= 2);
    await s.t.close();
  });

  it('a watcher module that cannot load leaves the host as it was and says why', async () => {
    const s = setup(true, () => {
      throw new Error('No prebuild or local build of @parcel/watcher found');
    });
    await s.t.apply();
    assert.deepEqual(s.t.watch, {
      wanted: true,
      active: false,
      error: 'the workspace watcher could not start: No prebuild or local build of @parcel/watcher found',
    });
    assert.equal(s.changes(), 1);
    assert.ok(s.logger.records.some((r) => r.level === 'error' && /could not start/.test(r.msg)));
    // reported saves are taken as before
    mkdirSync(join(s.ws, 'src'));
    writeFileSync(join(s.ws, 'src', 'r.ts'), 'r\n');
    await s.t.saved({ files: [join(s.ws, 'src', 'r.ts')], source: 'test' });
    await until(() => s.submitted.length === 1, 10_000, 'the reported save to be submitted');
    await s.t.close();
  });

  it('a watcher the OS refuses (subscribe fails) is reported the same way', async () => {
    const s = setup(true, () => ({
      subscribe: () => Promise.reject(new Error('inotify_add_watch: ENOSPC (no space left on device)')),
    }));
    await s.t.apply();
    assert.equal(s.t.watch.active, false);
    assert.match(s.t.watch.error ?? '', /could not start: inotify_add_watch: ENOSPC/);
    await s.t.close();
  });
});
