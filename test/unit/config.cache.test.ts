// host/config/cache.ts: a start on a config this build has validated before takes the stored
// result (and never loads zod/yaml); anything else validates, exactly like loadConfigFile.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfigCached, loadValidator } from '../../host/config/cache';
import { loadConfigFile } from '../../host/config/load';

const VALID = 'background:\n  agents:\n    lint:\n      command: ["eslint", "${files}"]\n      max_memory: 512MB\n';
const INVALID = 'background:\n  agentz: {}\n';

describe('config cache', () => {
  let dir: string;
  let cache: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agbg-cfgcache-'));
    cache = join(dir, 'runtime');
    await mkdir(cache);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const entries = async () => (await readdir(cache)).filter((f) => f.startsWith('config-'));
  /** loads the real validator and counts the loads: a hit must not load it at all */
  let loads = 0;
  const counted = () => (loads++, loadValidator());
  /** loadConfigCached, and how many times it loaded the validator */
  const load = async (file: string, c: Parameters<typeof loadConfigCached>[1]) => {
    const before = loads;
    const result = await loadConfigCached(file, c, false, counted);
    return { result, loads: loads - before };
  };

  test('the cached result equals a fresh validation, for valid, invalid and missing files', async () => {
    for (const [name, text] of [
      ['valid.yaml', VALID],
      ['invalid.yaml', INVALID],
      ['missing.yaml', undefined],
    ] as const) {
      const file = join(dir, name);
      if (text !== undefined) await writeFile(file, text);
      const fresh = await loadConfigFile(file);
      const expected = fresh.ok
        ? { exists: fresh.exists, ok: true, config: fresh.config, issues: fresh.issues }
        : { exists: fresh.exists, ok: false, issues: fresh.issues };
      const c = { dir: cache, build: 'b1' };
      const first = await load(file, c);
      assert.deepEqual(first.result, expected, `${name}: first load`);
      assert.equal(first.loads, 1, `${name}: a miss validates`);
      const hit = await load(file, c);
      assert.deepEqual(hit.result, expected, `${name}: from the cache`);
      assert.equal(hit.loads, 0, `${name}: a hit never loads the validator`);
    }
    assert.equal((await entries()).length, 3);
  });

  test('an entry is keyed by content and build: an edit or another build validates again', async () => {
    const file = join(dir, 'edited.yaml');
    await writeFile(file, VALID);
    const before = (await entries()).length;
    // same bytes as valid.yaml, elsewhere: a hit
    assert.equal((await load(file, { dir: cache, build: 'b1' })).loads, 0);
    assert.equal((await entries()).length, before);
    assert.equal((await load(file, { dir: cache, build: 'b2' })).loads, 1, 'another build validates');
    assert.equal((await entries()).length, before + 1);
    await writeFile(file, VALID.replace('512MB', '256MB'));
    const { result: r, loads: n } = await load(file, { dir: cache, build: 'b2' });
    assert.equal(n, 1, 'an edit validates');
    assert.ok(r.ok && r.config.agents.lint?.maxMemoryBytes === 256e6);
    assert.equal((await entries()).length, before + 2);
  });

  test('a damaged entry or no cache dir falls back to validating', async () => {
    const file = join(dir, 'valid.yaml');
    for (const f of await entries()) await writeFile(join(cache, f), '{not json');
    const { result: r, loads: n } = await load(file, { dir: cache, build: 'b1' });
    assert.equal(n, 1, 'a damaged entry validates');
    assert.ok(r.ok && r.config.agents.lint?.command?.[0] === 'eslint');
    const r2 = await loadConfigCached(file, undefined);
    assert.deepEqual(r2, r);
    const unwritable = await loadConfigCached(file, { dir: join(dir, 'no-such-dir'), build: 'b1' });
    assert.deepEqual(unwritable, r);
  });
});
