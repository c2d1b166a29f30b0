// The host process: argv, the one-host-per-workspace lock, the socket, signals. Nothing else:
// the work itself is in hostCore.ts, the protocol in server.ts.
//   node dist/host.js --workspace DIR [--launched-by cli|extension|foreground] [--mode M] [--foreground]
//                     [--restricted] [--require-approval]     (set by the extension: Workspace Trust)
//                     [--watch]                               (watch the workspace for saves)
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { chmod, rename, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createMessageConnection, SocketMessageReader } from 'vscode-jsonrpc/node';
import { procStartTime } from './agents/processTree';
import { acquireHostLock, LockHeldError, LockSquattedError, type HostLock } from './daemon/lock';
import { ensureRuntimeDir, hostPaths, MAX_SOCKET_PATH_BYTES, resolveWorkspace } from '../common/node/paths';
import { connectionLimits, PreAuthGate } from './connectionGate';
import { HOST_VERSION, HostCore } from './hostCore';
import { HostLog } from './log';
import { FramedMessageWriter } from '../common/node/framedWriter';
import { HostServer } from './server';

interface Args {
  workspace: string;
  launchedBy: 'cli' | 'extension' | 'foreground';
  mode?: 'production' | 'development';
  foreground: boolean;
  restricted: boolean;
  requireApproval: boolean;
  watch: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    workspace: process.cwd(),
    launchedBy: 'cli',
    foreground: false,
    restricted: false,
    requireApproval: false,
    watch: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) fail(`${k} needs a value`);
      return x;
    };
    if (k === '--workspace') a.workspace = v();
    else if (k === '--launched-by') a.launchedBy = v() as Args['launchedBy'];
    else if (k === '--mode') {
      const m = v();
      if (m !== 'production' && m !== 'development') fail(`--mode must be production or development, got "${m}"`);
      a.mode = m;
    } else if (k === '--foreground') a.foreground = true;
    else if (k === '--restricted') a.restricted = true;
    else if (k === '--require-approval') a.requireApproval = true;
    else if (k === '--watch') a.watch = true;
    else fail(`unknown argument "${k}"`);
  }
  return a;
}

function fail(msg: string, code = 2): never {
  process.stderr.write(`agentic-bg host: ${msg}\n`);
  process.exit(code);
}

async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, file);
}

/**
 * Where validated configs are kept (config/cache.ts), keyed by this build: only when running as
 * the bundle, whose size and mtime change with every build (from sources, a schema edit would
 * not change this file's identity), and not on Windows, where the runtime "dir" is a pipe prefix.
 */
function configCache(dir: string): { configCache?: { dir: string; build: string } } {
  if (process.platform === 'win32' || !__filename.endsWith('.js')) return {};
  try {
    // the validator is a file of its own (esbuild.config.mjs): either changing means another build
    const id = [__filename, join(__dirname, 'config-validator.js')]
      .map((f) => statSync(f))
      .map((st) => `${st.size}:${st.mtimeMs}`);
    return { configCache: { dir, build: `${HOST_VERSION}:${id.join(':')}` } };
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const workspace = await resolveWorkspace(args.workspace).catch(() =>
    fail(`workspace ${args.workspace} does not exist`),
  );
  const paths = hostPaths(workspace);
  // libuv would bind a longer path cut short, outside the private dir (paths.ts picks one that fits)
  if (process.platform !== 'win32' && Buffer.byteLength(paths.socket) > MAX_SOCKET_PATH_BYTES)
    fail(`the socket path ${paths.socket} is over ${MAX_SOCKET_PATH_BYTES} bytes`, 1);
  let limits: ReturnType<typeof connectionLimits>;
  try {
    limits = connectionLimits(process.env);
  } catch (err) {
    fail((err as Error).message);
  }
  await ensureRuntimeDir(paths.runtimeDir);
  let lock: HostLock;
  try {
    lock = await acquireHostLock(paths);
  } catch (err) {
    if (err instanceof LockHeldError) {
      process.stdout.write(`already running for ${workspace} (${err.detail}; socket ${paths.socket})\n`);
      process.exit(0);
    }
    if (err instanceof LockSquattedError) fail(err.message, 1);
    throw err;
  }

  const log = new HostLog({ dir: paths.logsDir, level: 'info', echo: args.foreground });
  await log.open();
  const logger = log.logger();
  if (paths.runtimeNote) logger.warn(`runtime dir ${paths.runtimeDir}: ${paths.runtimeNote}`);
  for (const s of lock.squatted) logger.warn(`another user holds a lock name of this workspace: ${s}; using the next`);
  process.on('unhandledRejection', (err) =>
    logger.error('unhandled rejection', { error: String((err as Error)?.stack ?? err) }),
  );

  const token = randomBytes(24).toString('base64url');
  await writeAtomic(paths.token, token, 0o600);
  const core = new HostCore({
    paths,
    log,
    builtinDir: __dirname,
    launchedBy: args.launchedBy,
    socket: paths.socket,
    ...(args.mode ? { modeOverride: args.mode } : {}),
    restricted: args.restricted,
    requireApproval: args.requireApproval,
    watch: args.watch,
    ...configCache(paths.runtimeDir),
  });
  await core.start();

  let stopping: Promise<void> | undefined;
  const shutdown = (drainTimeoutMs: number, why: string): Promise<void> =>
    (stopping ??= (async () => {
      logger.info('shutdown requested', { why });
      server.notifyStopping(why);
      // a `start` meanwhile finds no socket but this file: it waits for this pid (cli/lifecycle.ts)
      await writeInfo({ stopping: { since: new Date().toISOString(), drainTimeoutMs } }).catch(() => undefined);
      // stop accepting, but keep serving attached clients while running tasks drain: status
      // still answers and the stop request gets its reply
      netServer.close();
      await core.stop(drainTimeoutMs);
      await server.close();
      await Promise.all([paths.socket, paths.token, paths.info].map((f) => unlink(f).catch(() => undefined)));
      await lock.release();
      await log.close();
      process.exit(0);
    })());

  const server = new HostServer(
    core,
    token,
    log,
    (p) => void shutdown(p.drainTimeoutMs ?? 10_000, p.reason ?? 'host/shutdown'),
    limits.maxClients,
  );
  const gate = new PreAuthGate(limits, logger);
  // we hold the lock, so a socket file left behind is stale
  await unlink(paths.socket).catch(() => undefined);
  const netServer = createServer((sock) => {
    sock.on('error', () => undefined);
    const admitted = gate.admit(sock);
    // one write per message (common/node/framedWriter.ts): a client is woken once per notification, not twice
    server.attach(
      createMessageConnection(new SocketMessageReader(sock), new FramedMessageWriter(sock, true)),
      admitted.authed,
    );
  });
  // the info file names this host before it answers anyone: a client that got an answer reads this
  // host's pid there, never the previous one's
  const startTime = await procStartTime(process.pid);
  const writeInfo = (extra: object = {}) =>
    writeAtomic(
      paths.info,
      JSON.stringify({
        pid: process.pid,
        startTime,
        socket: paths.socket,
        workspace,
        version: HOST_VERSION,
        launchedBy: args.launchedBy,
        startedAt: core.startedAt.toISOString(),
        ...extra,
      }),
      0o600,
    );
  await writeInfo();
  await new Promise<void>((resolve, reject) => {
    netServer.once('error', reject);
    netServer.listen({ path: paths.socket, backlog: limits.backlog }, () => resolve());
  });
  if (process.platform !== 'win32') await chmod(paths.socket, 0o600);

  process.on('SIGTERM', () => void shutdown(10_000, 'SIGTERM'));
  process.on('SIGINT', () => void shutdown(10_000, 'SIGINT'));
  process.on('SIGHUP', () => void core.reloadConfig('signal'));

  // A host the extension launched goes away when nobody has used it for a while (ARCHITECTURE.md: Processes).
  if (args.launchedBy === 'extension') {
    const graceMs = Number(process.env.AGENTIC_IDLE_GRACE_MS ?? 60_000);
    let idleSince = Date.now();
    setInterval(
      () => {
        const q = core.scheduler.store.countsByState();
        const busy = core.clients > 0 || q.queued + q.running + q.retrying > 0;
        if (busy) idleSince = Date.now();
        else if (Date.now() - idleSince >= graceMs) void shutdown(0, 'idle without clients');
      },
      Math.min(5000, Math.max(250, graceMs / 4)),
    ).unref();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`agentic-bg host: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
