// agentic_config.yaml that is too large, not UTF-8, or large and valid, through the real host:
// refused with a clear error naming the problem (line:col where it applies), the previous config
// stays in force, and `status` keeps being answered while the file is read and validated.
import assert from 'node:assert/strict';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { HostStatus } from '../../common/model';
import * as P from '../../common/protocol';
import { cleanup, cli, cliJson, connect, makeWorkspace, NODE, yaml } from './helpers';

const made: string[] = [];
after(async () => {
  for (const w of made) await cleanup(w);
});
const T = { timeout: 180_000 };
const VALID = yaml(`
background:
  agents:
    hello:
      command: ["${NODE}", "-e", "0"]
`);

async function started(): Promise<string> {
  const w = makeWorkspace(VALID);
  made.push(w);
  assert.equal((await cli(w, ['start'])).code, 0);
  return w;
}

/**
 * Runs `during` while timing `status` round trips back to back on one connection; the slowest.
 * A wedged event loop shows as one very slow round trip (minutes, before the fix).
 */
async function slowestStatusWhile<T>(w: string, during: () => Promise<T>): Promise<{ result: T; maxMs: number }> {
  const c = await connect(w);
  let stop = false;
  let maxMs = 0;
  const probe = (async () => {
    while (!stop) {
      const t0 = performance.now();
      await c.request(P.StatusRequest.type, {});
      maxMs = Math.max(maxMs, performance.now() - t0);
    }
  })();
  try {
    const result = await during();
    return { result, maxMs };
  } finally {
    stop = true;
    await probe;
    c.close();
  }
}

describe('config size and bytes', () => {
  it('a 50 MB file is refused by size, at once, and status keeps answering; the old config stays', T, async () => {
    const w = await started();
    // a real 50 MB YAML document, the kind that wedged the host; written beforehand and renamed
    // into place, so that this process's own write does not count in the round trips
    const next = join(w, 'next.yaml');
    writeFileSync(next, VALID + 'other:\n' + '  k: v\n'.repeat((50 * 1024 * 1024) / 7));
    const { result: r, maxMs } = await slowestStatusWhile(w, async () => {
      renameSync(next, join(w, 'agentic_config.yaml'));
      return cli(w, ['reload']);
    });
    console.log(`# slowest status round trip during a rejected 50 MB reload: ${maxMs.toFixed(1)} ms`);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /agentic_config\.yaml: error: the file is 50(\.\d)? MiB; a configuration may be at most 1 MiB/,
    );
    assert.ok(maxMs < 2000, `status took ${maxMs} ms`);
    const s = await cliJson<HostStatus>(w, ['status']);
    assert.equal(s.config.valid, false);
    assert.equal(s.config.keptPrevious, true);
    assert.ok(s.agents.some((a) => a.id === 'hello'));
  });

  it('invalid UTF-8 is refused with the line and column of the first bad byte, never replaced', T, async () => {
    const w = await started();
    // the argv gets "ech<FF FE>o": a decoder would have made it "ech\uFFFD\uFFFDo" silently
    const [before, after] = VALID.split('"0"]');
    writeFileSync(
      join(w, 'agentic_config.yaml'),
      Buffer.concat([Buffer.from(`${before}"0", "ech`), Buffer.from([0xff, 0xfe]), Buffer.from(`o"]${after}`)]),
    );
    const lines = `${before}"0", "ech`.split('\n');
    const r = await cli(w, ['reload']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`agentic_config\\.yaml:${lines.length}:${lines.at(-1)!.length + 1}: error: invalid UTF-8: byte 0xff`),
    );
    const s = await cliJson<HostStatus>(w, ['status']);
    assert.equal(s.config.keptPrevious, true);
  });

  it('a large valid file (~900 kB of keys) loads, and status keeps answering while it is validated', T, async () => {
    const w = await started();
    let other = 'other:\n';
    for (let i = 0; other.length < 900_000; i++) other += `  key${i}: value${i}\n`;
    const next = join(w, 'next.yaml');
    writeFileSync(next, VALID.replace('hello:', 'hello2:') + other);
    const { result: r, maxMs } = await slowestStatusWhile(w, async () => {
      renameSync(next, join(w, 'agentic_config.yaml'));
      return cli(w, ['reload'], { timeoutMs: 60_000 });
    });
    console.log(`# slowest status round trip while a 900 kB config was validated: ${maxMs.toFixed(1)} ms`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(maxMs < 2000, `status took ${maxMs} ms`);
    const s = await cliJson<HostStatus>(w, ['status']);
    assert.ok(
      s.agents.some((a) => a.id === 'hello2'),
      'the new config is in force',
    );
  });

  it('a deleted file reloads as the built-in default (resolved off the event loop too)', T, async () => {
    const w = await started();
    rmSync(join(w, 'agentic_config.yaml'));
    const r = await cli(w, ['reload']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const s = await cliJson<HostStatus>(w, ['status']);
    assert.equal(s.config.usingDefault, true);
    assert.deepEqual(
      s.agents.map((a) => a.id),
      ['saa'],
    );
  });
});
