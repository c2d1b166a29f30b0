// The host reports the version package.json names (esbuild.config.mjs writes it into the bundle):
// in host/hello, in host/status and in the info file clients read before they connect.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import type { HostStatus } from '../../common/model';
import * as P from '../../common/protocol';
import { ROOT, cleanup, cli, cliJson, connect, hostInfo, makeWorkspace } from './helpers';

const ws = makeWorkspace(undefined);
after(() => cleanup(ws));

it('host/hello, host/status and the info file carry package.json version', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const started = await cli(ws, ['start']);
  assert.equal(started.code, 0, started.stderr);
  assert.equal((await cliJson<HostStatus>(ws, ['status'])).version, version);
  assert.equal((hostInfo(ws) as { version?: string }).version, version);
  const c = await connect(ws);
  try {
    assert.equal(c.hello.version, version);
    assert.equal((await c.request(P.StatusRequest.type, {})).version, version);
  } finally {
    c.close();
  }
});
