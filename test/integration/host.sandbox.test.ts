// Agents with a `sandbox:` block run under bubblewrap through the real host: a hostile agent cannot
// read a planted ~/.ssh key or write outside its area (its errors land in its task log), an
// allowed domain is reachable through the host's proxy and another is refused, status shows each
// agent's sandbox, and `required: true` refuses to run where no sandbox is available.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HostStatus, TaskInfo } from '../../common/model';
import { CLI, NODE, RUNTIME, cleanup, makeWorkspace } from './helpers';
import { runProcess } from '../support/run';

const haveBwrap = spawnSync('bwrap', ['--ro-bind', '/', '/', 'true']).status === 0;
const skip = !haveBwrap && !process.env.CI ? 'bubblewrap (bwrap) is not installed' : false;

async function cli(
  ws: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string; err: string }> {
  const r = await runProcess(NODE, [CLI, ...args, '--workspace', ws], {
    env: { ...process.env, XDG_RUNTIME_DIR: RUNTIME, ...env },
  });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const root = mkdtempSync(join(tmpdir(), 'agbg-hsbx-'));
const home = join(root, 'home');
mkdirSync(join(home, '.ssh'), { recursive: true });
writeFileSync(join(home, '.ssh', 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\nplanted-key\n');
// outside /tmp, which inside the sandbox is a private tmpfs (a write there would land in it, unseen)
const outside = `/var/tmp/agbg-escape-${process.pid}.txt`;

const HOSTILE = `
const fs = require('fs');
const t = (what, f) => { try { console.log(what + ': ' + f()); } catch (e) { console.error(what + ' failed: ' + e.code); console.log(what + ': DENIED ' + e.code); } };
t('read key', () => fs.readFileSync(process.env.HOME + '/.ssh/id_ed25519', 'utf8').split('\\n')[1]);
t('write outside', () => (fs.writeFileSync(${JSON.stringify(outside)}, 'pwned'), 'WROTE'));
t('write workspace', () => (fs.writeFileSync('escape.txt', 'pwned'), 'WROTE'));
t('write cache', () => (fs.writeFileSync('.cache/ok.txt', 'fine'), 'WROTE'));
`;
const FETCH = (url: string) => `
const p = new URL(process.env.HTTP_PROXY || 'http://127.0.0.1:9');
require('http').get({ host: p.hostname, port: p.port, path: ${JSON.stringify(url)} }, (r) => {
  let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => console.log('status ' + r.statusCode + ' ' + b.trim()));
}).on('error', (e) => console.log('error ' + e.code));
`;

let server: Server;
let port = 0;
const workspaces: string[] = [];
before(async () => {
  server = createServer((_q, r) => r.end('hello through the proxy'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
after(async () => {
  for (const w of workspaces) await cleanup(w);
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(root, { recursive: true, force: true });
});

function workspace(config: string): string {
  const ws = makeWorkspace(config, { '.cache/.keep': '' });
  workspaces.push(ws);
  return ws;
}

async function run(ws: string, agent: string, env: NodeJS.ProcessEnv): Promise<TaskInfo> {
  const r = await cli(ws, ['submit', '--agent', agent, '--task', 't', '--wait', '--json'], env);
  return JSON.parse(r.out) as TaskInfo;
}

describe('sandboxed agents through the host', { skip }, () => {
  const cmd = (script: string) => JSON.stringify([NODE, '-e', script]);
  const config = () => `background:
  retry_attempts: 0
  agents:
    hostile:
      command: ${cmd(HOSTILE)}
      output: text
      sandbox: { write: [.cache] }
    open:
      command: ${cmd(HOSTILE)}
      output: text
    allowed:
      command: ${cmd(FETCH(`http://127.0.0.1:${port}/`))}
      output: text
      sandbox: { network: [127.0.0.1] }
    refused:
      command: ${cmd(FETCH(`http://127.0.0.1:${port}/`))}
      output: text
      sandbox: { network: [api.example.com] }
`;

  it('a hostile agent reads no planted key and writes only where allowed; its errors are in its task log', async () => {
    const ws = workspace(config());
    const env = { HOME: home };
    assert.equal((await cli(ws, ['start'], env)).code, 0);
    const t = await run(ws, 'hostile', env);
    assert.equal(t.state, 'succeeded', JSON.stringify(t));
    assert.deepEqual(t.outputTail, [
      'read key: DENIED ENOENT',
      'write outside: DENIED EROFS',
      'write workspace: DENIED EROFS',
      'write cache: WROTE',
    ]);
    assert.equal(existsSync(outside), false);
    assert.equal(existsSync(join(ws, 'escape.txt')), false);
    assert.equal(readFileSync(join(ws, '.cache', 'ok.txt'), 'utf8'), 'fine');
    const log = readFileSync(join(ws, '.agentic', 'logs', 'tasks', `${t.id}.log`), 'utf8');
    assert.match(log, /read key failed: ENOENT/);
    assert.match(log, /write outside failed: EROFS/);
    // the same agent without a sandbox block does read it: the test can tell
    const open = await run(ws, 'open', env);
    assert.equal(open.outputTail?.[0], 'read key: planted-key');
    rmSync(join(ws, 'escape.txt'), { force: true });
    rmSync(outside, { force: true });
    const s = JSON.parse((await cli(ws, ['status', '--json'], env)).out) as HostStatus;
    const by = Object.fromEntries(s.agents.map((a) => [a.id, a.sandbox]));
    assert.equal(by.hostile, 'sandboxed (bubblewrap)');
    assert.match(by.open ?? '', /^unsandboxed: no sandbox: block/);
  });

  it('an allowed domain is reached through the proxy; another is refused and logged', async () => {
    const ws = workspace(config());
    const env = { HOME: home };
    assert.equal((await cli(ws, ['start'], env)).code, 0);
    assert.deepEqual((await run(ws, 'allowed', env)).outputTail, ['status 200 hello through the proxy']);
    const refused = await run(ws, 'refused', env);
    assert.match(
      refused.outputTail?.[0] ?? '',
      /^status 403 agentic-bg sandbox: 127\.0\.0\.1 is not in this agent's network allow-list$/,
    );
    const logs = (await cli(ws, ['logs', '--lines', '200'], env)).out;
    assert.match(logs, /sandbox refused a connection: not in the network allow-list.*"host":"127\.0\.0\.1"/);
  });

  it('required: true refuses to run where bubblewrap is missing; without it the agent runs, marked unsandboxed', async () => {
    const bin = join(root, 'bin');
    mkdirSync(bin, { recursive: true });
    for (const t of ['sh', 'ps', 'kill']) {
      const src = ['/bin', '/usr/bin'].map((d) => join(d, t)).find((p) => existsSync(p));
      if (src && !existsSync(join(bin, t))) symlinkSync(src, join(bin, t));
    }
    const ws = workspace(`background:
  retry_attempts: 0
  agents:
    strict:
      command: ${cmd("console.log('ran')")}
      output: text
      sandbox: { required: true }
    lenient:
      command: ${cmd("console.log('ran')")}
      output: text
      sandbox: {}
`);
    const env = { HOME: home, PATH: bin };
    assert.equal((await cli(ws, ['start'], env)).code, 0);
    const strict = await run(ws, 'strict', env);
    assert.equal(strict.state, 'failed');
    assert.equal(strict.reason, 'usage_error');
    assert.match(
      strict.detail ?? '',
      /sandbox required .* none is available here: bubblewrap \(bwrap\) is not installed/,
    );
    const lenient = await run(ws, 'lenient', env);
    assert.equal(lenient.state, 'succeeded');
    assert.deepEqual(lenient.outputTail, ['ran']);
    const s = JSON.parse((await cli(ws, ['status', '--json'], env)).out) as HostStatus;
    assert.equal(s.agents.find((a) => a.id === 'lenient')?.sandbox, 'unsandboxed: bubblewrap (bwrap) is not installed');
  });
});
