// Starts and stops one code-server (a real VS Code 1.100 server whose extension host is the
// machine's Node) in its own process group, with every state folder inside the run's directory.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * trust: true leaves Workspace Trust on (a fresh profile does not trust the folder), false
 * passes --disable-workspace-trust. env is added to the server's (and so the extension host's).
 */
export async function startCodeServer({ bin, dir, trust, env = {} }) {
  const port = await freePort();
  const d = (p) => (mkdirSync(join(dir, p), { recursive: true }), join(dir, p));
  const userData = d('user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'workbench.tips.enabled': false,
      'git.enabled': false,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.banner': 'never',
      'files.autoSave': 'off',
    }),
  );
  const config = join(dir, 'code-server.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const log = openSync(join(dir, 'code-server.log'), 'a');
  const args = [
    '--config',
    config,
    '--user-data-dir',
    userData,
    '--extensions-dir',
    d('extensions'),
    '--disable-telemetry',
    '--disable-update-check',
  ];
  if (!trust) args.push('--disable-workspace-trust');
  const child = spawn(bin, args, {
    detached: true, // its own process group: stopping kills the watcher child too
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      EXTENSIONS_GALLERY: '{}',
      XDG_DATA_HOME: d('xdg-data'),
      XDG_CONFIG_HOME: d('xdg-config'),
      XDG_CACHE_HOME: d('xdg-cache'),
      ...env,
    },
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited at start; see ${join(dir, 'code-server.log')}`);
    try {
      if ((await fetch(`http://${host}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('code-server did not answer /healthz within 60 s');
    await sleep(200);
  }
  return {
    host,
    userData,
    async stop() {
      if (exited) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      if (!exited) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    },
  };
}
