// Escape attempts by a hostile agent under the sandbox (bubblewrap, host/sandbox/), each of which
// must fail: writing to the main checkout by absolute path, through `..` and through a symlink
// planted in its worktree; reading a planted ~/.ssh key and the host's token; reaching a local
// HTTP server that is not in its allow-list. And what must work: writing its worktree and /tmp,
// and reaching an allowed host through the filtering proxy.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startProxy } from '../../host/sandbox/proxy';
import {
  bwrapArgs,
  defaultReadDeny,
  PROXY_SOCKET_NAME,
  type PathKind,
  type SandboxPolicy,
} from '../../host/sandbox/policy';
import { NODE, ROOT } from './helpers';
import { runProcess } from '../support/run';

const haveBwrap = spawnSync('bwrap', ['--ro-bind', '/', '/', 'true']).status === 0;
// CI installs bubblewrap: there a missing one is a failure, not a skip
const skip = !haveBwrap && !process.env.CI ? 'bubblewrap (bwrap) is not installed' : false;

const root = mkdtempSync(join(tmpdir(), 'agbg-sbx-'));
const ws = join(root, 'ws');
const worktree = join(root, 'wt');
const home = join(root, 'home');
const runtime = join(root, 'rt', 'agentic-bg');
const tmp = join(root, 'agent-tmp');
for (const d of [ws, worktree, join(home, '.ssh'), runtime, tmp]) mkdirSync(d, { recursive: true });
writeFileSync(join(ws, 'main.txt'), 'the user owns this\n');
writeFileSync(join(home, '.ssh', 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\nplanted\n');
writeFileSync(join(runtime, 'abc.token'), 'host-token-secret\n');
symlinkSync(ws, join(worktree, 'escape'));

const kind = (p: string): PathKind => {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
};

function policy(network: SandboxPolicy['network'] = { kind: 'none' }): SandboxPolicy {
  // the bridge is bound in too: a checkout under /tmp would be hidden by the private /tmp
  return {
    read: [ws, join(ROOT, 'dist', 'sandbox-bridge.js')],
    write: [worktree],
    readDeny: defaultReadDeny(home, runtime),
    network,
    tmpDir: tmp,
  };
}

/** runs a Node script as the agent under `p`, in the worktree; its stdout and stderr */
async function agent(
  script: string,
  p: SandboxPolicy,
  bridge = false,
): Promise<{ code: number; out: string; err: string }> {
  const argv = [NODE, '-e', script];
  const inner = bridge
    ? [NODE, join(ROOT, 'dist', 'sandbox-bridge.js'), join(tmp, PROXY_SOCKET_NAME), '--', ...argv]
    : argv;
  const r = await runProcess('bwrap', bwrapArgs(p, inner, kind), {
    cwd: worktree,
    env: { ...process.env, HOME: home },
  });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const tryWrite = (path: string) =>
  `try { require('fs').writeFileSync(${JSON.stringify(path)}, 'pwned'); console.log('WROTE') } catch (e) { console.log('DENIED ' + e.code) }`;
const tryRead = (path: string) =>
  `try { console.log('READ ' + require('fs').readFileSync(${JSON.stringify(path)}, 'utf8')) } catch (e) { console.log('DENIED ' + e.code) }`;
const tryGet = (url: string) =>
  `require('http').get(${JSON.stringify(url)}, { agent: false }, (r) => { let b = ''; r.on('data', (d) => b += d); r.on('end', () => console.log('STATUS ' + r.statusCode + ' ' + b.trim())) }).on('error', (e) => console.log('DENIED ' + e.code))`;
/** plain HTTP through the proxy named by HTTP_PROXY (Node's http does not read it by itself) */
const tryGetViaProxy = (url: string) =>
  `const p = new URL(process.env.HTTP_PROXY); require('http').get({ host: p.hostname, port: p.port, path: ${JSON.stringify(url)} }, (r) => { let b = ''; r.on('data', (d) => b += d); r.on('end', () => console.log('STATUS ' + r.statusCode + ' ' + b.trim())) }).on('error', (e) => console.log('DENIED ' + e.code))`;

let server: Server;
let port = 0;
before(async () => {
  server = createServer((_req, res) => res.end('hello from the host'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(root, { recursive: true, force: true });
});

describe('the sandbox (bubblewrap)', { skip }, () => {
  it('an agent writes its worktree and its /tmp', async () => {
    const r = await agent(
      `${tryWrite(join(worktree, 'ok.txt'))}; ${tryWrite(join(tmp, 'scratch'))}; ${tryWrite('/tmp/private')}; console.log(require('os').tmpdir())`,
      policy(),
    );
    assert.equal(r.out, `WROTE\nWROTE\nWROTE\n${tmp}\n`, r.err);
    assert.equal(readFileSync(join(worktree, 'ok.txt'), 'utf8'), 'pwned');
    assert.ok(existsSync(join(tmp, 'scratch')), "TMPDIR is the agent's own temp dir");
    assert.equal(existsSync('/tmp/private'), false, "/tmp inside is the agent's own, discarded");
  });

  it('cannot write the main checkout: by absolute path, through .., through a planted symlink', async () => {
    const r = await agent(
      [
        tryWrite(join(ws, 'main.txt')),
        tryWrite('../ws/main.txt'),
        tryWrite('escape/main.txt'),
        tryWrite(join(ws, 'new.txt')),
      ].join(';'),
      policy(),
    );
    assert.equal(r.out, 'DENIED EROFS\n'.repeat(4), r.err);
    assert.equal(readFileSync(join(ws, 'main.txt'), 'utf8'), 'the user owns this\n');
    assert.equal(existsSync(join(ws, 'new.txt')), false);
  });

  it("cannot read a planted ~/.ssh key or the host's token; sees the workspace and no other /tmp files", async () => {
    const r = await agent(
      [tryRead(join(home, '.ssh', 'id_ed25519')), tryRead(join(runtime, 'abc.token'))].join(';'),
      policy(),
    );
    assert.equal(r.out, 'DENIED ENOENT\nDENIED ENOENT\n', r.err);
    assert.doesNotMatch(r.out, /planted|host-token-secret/);
  });

  it('cannot reach a local HTTP server with no network, nor through the proxy when it is not allowed', async () => {
    const none = await agent(tryGet(`http://127.0.0.1:${port}/`), policy());
    assert.equal(none.out, 'DENIED ECONNREFUSED\n', none.err);
    const denied: string[] = [];
    const proxy = await startProxy(join(tmp, PROXY_SOCKET_NAME), ['api.example.com'], (h, p) =>
      denied.push(`${h}:${p}`),
    );
    try {
      const r = await agent(
        tryGetViaProxy(`http://127.0.0.1:${port}/`),
        policy({ kind: 'allow', domains: ['api.example.com'] }),
        true,
      );
      assert.match(
        r.out,
        /^STATUS 403 agentic-bg sandbox: 127\.0\.0\.1 is not in this agent's network allow-list$/m,
        r.err,
      );
      assert.deepEqual(denied, [`127.0.0.1:${port}`]);
    } finally {
      await proxy.close();
    }
  });

  it('reaches an allowed host through the proxy', async () => {
    const proxy = await startProxy(join(tmp, PROXY_SOCKET_NAME), ['127.0.0.1'], () => undefined);
    try {
      const r = await agent(
        tryGetViaProxy(`http://127.0.0.1:${port}/`),
        policy({ kind: 'allow', domains: ['127.0.0.1'] }),
        true,
      );
      assert.equal(r.out, 'STATUS 200 hello from the host\n', r.err);
    } finally {
      await proxy.close();
    }
  });
});
