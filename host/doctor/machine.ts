// The machine checks of `agentic-bg doctor`: what this machine gives the host (runtime, runtime
// dir, journal disk, CPU/memory enforcement, sandbox, git). Read-only: nothing here creates,
// writes or changes a file; a check that cannot tell says so instead of guessing.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:fs';
import { access, lstat, readFile, stat, statfs } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import type { DoctorCheck } from '../../common/doctor';
import { MAX_SOCKET_PATH_BYTES, type HostPaths } from '../../common/node/paths';
import { detectCgroup, type CgroupEnv } from '../agents/cgroup';
import { parseJournal } from '../queue/journalFormat';
import { detectSandbox } from '../sandbox/detect';

const README = 'README.md#';
/** below this the journal may fill the disk during a burst of tasks */
const LOW_DISK_BYTES = 100 * 2 ** 20;

export interface MachineEnv {
  env: NodeJS.ProcessEnv;
  uid: number;
  cgroup?: CgroupEnv;
}

/** Runs `file args` and returns its stdout, or undefined when it cannot be run (never throws). */
export function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 2000,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout) =>
      resolve(err ? undefined : stdout),
    );
  });
}

/** The first executable `name` on PATH (or `name` itself when it has a slash), else undefined. */
export async function which(name: string, env: NodeJS.ProcessEnv, cwd: string): Promise<string | undefined> {
  const candidates = name.includes('/')
    ? [name.startsWith('/') ? name : join(cwd, name)]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, name));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      if ((await stat(c)).isFile()) return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function checkRuntime(): DoctorCheck {
  const major = Number(process.versions.node.split('.')[0]);
  const electron = process.versions.electron ? `, VS Code's Electron ${process.versions.electron}` : '';
  const found = `Node ${process.versions.node}${electron} (${process.execPath})`;
  if (major >= 20) return { id: 'runtime', title: 'runtime', status: 'ok', found };
  return {
    id: 'runtime',
    title: 'runtime',
    status: 'fail',
    found,
    meaning: 'the host needs Node 20 or newer',
    fix: 'install Node 20+ (or run the CLI through VS Code: Agentic Background: Install agentic-bg Command)',
  };
}

export async function checkRuntimeDir(paths: HostPaths, uid: number): Promise<DoctorCheck> {
  const base = { id: 'runtime-dir', title: 'runtime dir' };
  const len = Buffer.byteLength(paths.socket);
  const lenNote = `socket path ${len} bytes (limit ${MAX_SOCKET_PATH_BYTES})`;
  if (paths.runtimeNote)
    return {
      ...base,
      status: 'warn',
      found: `${paths.runtimeDir} (a fallback: ${paths.runtimeNote}); ${lenNote}`,
      meaning: 'the host works, but a client started with another environment may look in the first directory',
      fix: 'point XDG_RUNTIME_DIR at a shorter directory (e.g. export XDG_RUNTIME_DIR=/run/user/$(id -u))',
    };
  let st;
  try {
    st = await lstat(paths.runtimeDir);
  } catch {
    const parent = dirname(paths.runtimeDir);
    const ok = await access(parent, constants.W_OK).then(
      () => true,
      () => false,
    );
    return ok
      ? {
          ...base,
          status: 'ok',
          found: `${paths.runtimeDir} not created yet (the first host makes it 0700); ${lenNote}`,
        }
      : {
          ...base,
          status: 'fail',
          found: `${paths.runtimeDir} does not exist and ${parent} is not writable`,
          meaning: 'no host can create its socket and token',
          fix: `make ${parent} writable for this user, or set XDG_RUNTIME_DIR to a private directory`,
        };
  }
  const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
  if (!st.isDirectory() || st.isSymbolicLink())
    return {
      ...base,
      status: 'fail',
      found: `${paths.runtimeDir} is not a directory`,
      meaning: 'the host refuses it: the socket and token must live in a private directory',
      fix: `rm ${paths.runtimeDir}  (then start the host again)`,
    };
  if (st.uid !== uid)
    return {
      ...base,
      status: 'fail',
      found: `${paths.runtimeDir} belongs to uid ${st.uid}, not to you (uid ${uid})`,
      meaning: 'another user may have planted it to receive your token; the host and the CLI refuse it',
      fix: 'set XDG_RUNTIME_DIR to a directory of your own (e.g. /run/user/$(id -u)), or have the owner remove it',
    };
  if ((st.mode & 0o077) !== 0)
    return {
      ...base,
      status: 'warn',
      found: `${paths.runtimeDir} mode ${mode}, owner uid ${st.uid}; ${lenNote}`,
      meaning: 'other users can look into the directory that holds the token (the host narrows it to 0700 at start)',
      fix: `chmod 700 ${paths.runtimeDir}`,
    };
  return { ...base, status: 'ok', found: `${paths.runtimeDir} mode ${mode}, yours; ${lenNote}` };
}

async function nearestExisting(p: string): Promise<string> {
  for (let d = p; ; d = dirname(d)) {
    try {
      await stat(d);
      return d;
    } catch {
      if (dirname(d) === d) return d;
    }
  }
}

export async function checkJournal(paths: HostPaths, hostRunning: boolean): Promise<DoctorCheck[]> {
  const dir = await nearestExisting(paths.dataDir);
  const writable = await access(dir, constants.W_OK).then(
    () => true,
    () => false,
  );
  const out: DoctorCheck[] = [];
  const disk = await statfs(dir).catch(() => undefined);
  const free = disk ? disk.bavail * disk.bsize : undefined;
  const freeText = free === undefined ? 'free space unknown' : `${(free / 2 ** 20).toFixed(0)} MiB free`;
  if (!writable)
    out.push({
      id: 'journal-dir',
      title: 'journal',
      status: 'fail',
      found: `${dir} is not writable (${freeText})`,
      meaning: 'the host cannot keep its queue: every submit would fail',
      fix: `make ${dir} writable for this user (chown/chmod), or run the host as its owner`,
    });
  else if (free !== undefined && free < LOW_DISK_BYTES)
    out.push({
      id: 'journal-dir',
      title: 'journal',
      status: free < 2 ** 20 ? 'fail' : 'warn',
      found: `${paths.dataDir}: ${freeText}`,
      meaning: 'a full disk makes the host refuse new tasks (health degraded) until space is freed',
      fix: `free space on the disk that holds ${dir} (df -h ${dir})`,
    });
  else out.push({ id: 'journal-dir', title: 'journal', status: 'ok', found: `${paths.dataDir} writable, ${freeText}` });

  const buf = await readFile(paths.journal).catch(() => undefined);
  if (buf) {
    const j = parseJournal(buf);
    const running = [...j.live.values()].filter((t) => t.task.state === 'running').length;
    const problems = [
      j.tornTail ? 'a torn last line (a crash mid-write)' : '',
      j.badLines.length ? `${j.badLines.length} unreadable line(s) (kept aside at the next start)` : '',
      !hostRunning && running ? `${running} task(s) recorded as running with no host` : '',
    ].filter(Boolean);
    out.push(
      problems.length
        ? {
            id: 'journal-recovery',
            title: 'journal recovery',
            status: 'warn',
            found: `${j.lines} line(s), ${j.live.size} live task(s); ${problems.join('; ')}`,
            meaning:
              'the next host start recovers it: read tasks re-queued, write tasks parked as interrupted, leftover agents killed',
            fix: 'agentic-bg start',
          }
        : {
            id: 'journal-recovery',
            title: 'journal recovery',
            status: 'ok',
            found: `${j.lines} line(s), ${j.live.size} live task(s), nothing to recover`,
          },
    );
  }
  return out;
}

export async function checkEnforcement(m: MachineEnv): Promise<DoctorCheck> {
  if (process.platform !== 'linux')
    return {
      id: 'enforcement',
      title: 'CPU and memory limits',
      status: 'warn',
      found: `${process.platform}: tier throttle at best`,
      meaning: 'CPU limits are held with SIGSTOP/SIGCONT duty cycles, memory by sampling',
    };
  const cg = await detectCgroup(m.cgroup);
  if (cg.usable)
    return {
      id: 'enforcement',
      title: 'CPU and memory limits',
      status: 'ok',
      found: `tier cgroup: cgroup v2 cpu controller delegated at ${cg.dir}; memory by /proc sampling`,
    };
  return {
    id: 'enforcement',
    title: 'CPU and memory limits',
    status: 'warn',
    found: `tier throttle: ${cg.reason}`,
    meaning: 'max_cpu_percent is held by SIGSTOP/SIGCONT duty cycles (within a few points) instead of the kernel',
    fix: `run the host in a delegated cgroup, e.g. systemd-run --user --scope -p Delegate=yes agentic-bg start (${README}limits)`,
  };
}

export async function checkSandbox(m: MachineEnv): Promise<DoctorCheck> {
  const base = { id: 'sandbox', title: 'sandbox' };
  const tier = await detectSandbox(m.env);
  if (tier.kind === 'bubblewrap')
    return {
      ...base,
      status: 'ok',
      found: `bubblewrap ${tier.version} works here: agents with a sandbox: block run sandboxed`,
    };
  const missing = /not installed/.test(tier.reason);
  return {
    ...base,
    status: 'warn',
    found: tier.reason,
    meaning: 'agents run unsandboxed: they can read what your user can read (~/.ssh, tokens) and reach the network',
    fix: missing
      ? 'apt-get install bubblewrap (Debian/Ubuntu) or dnf install bubblewrap (Fedora)'
      : process.platform === 'linux'
        ? 'allow unprivileged user namespaces: sysctl -w kernel.unprivileged_userns_clone=1 (Debian), or in the container'
        : `${README}sandbox`,
  };
}

/** The file watcher `watch: true` uses: @parcel/watcher (N-API, a prebuilt binary per platform). */
export function checkWatcher(): DoctorCheck {
  const base = { id: 'watcher', title: 'file watcher' };
  const name = '@parcel/watcher';
  try {
    // createRequire with a computed name: the bundler leaves it to run time, where it may be absent
    const req = createRequire(__filename);
    const version = (req(`${name}/package.json`) as { version: string }).version;
    req(name);
    return { ...base, status: 'ok', found: `${name} ${version} loads here (watch: true, agentic-bg start --watch)` };
  } catch (err) {
    return {
      ...base,
      status: 'warn',
      found: `${name} cannot be loaded: ${(err as Error).message.split('\n')[0]}`,
      meaning: 'watch: true cannot work here: only saves a client reports (VS Code, agentic-bg saved) run triggers',
      fix: 'npm install -g agentic-background (the npm package carries the watcher), or report saves with agentic-bg saved',
    };
  }
}

export async function checkGit(m: MachineEnv, workspace: string): Promise<DoctorCheck> {
  const base = { id: 'git', title: 'git' };
  const v = (await run('git', ['--version'], m.env))?.trim();
  if (!v)
    return {
      ...base,
      status: 'warn',
      found: 'git not found on PATH',
      meaning: 'write agents need git for worktrees of their own',
      fix: 'apt-get install git',
    };
  const [maj = 0, min = 0] = (/(\d+)\.(\d+)/.exec(v) ?? []).slice(1).map(Number);
  const worktrees = maj > 2 || (maj === 2 && min >= 17);
  const inside = (await run('git', ['-C', workspace, 'rev-parse', '--is-inside-work-tree'], m.env))?.trim() === 'true';
  if (!worktrees)
    return {
      ...base,
      status: 'warn',
      found: `${v}: older than 2.17`,
      meaning: 'git worktree remove and prune need git 2.17 or newer',
      fix: 'upgrade git',
    };
  return inside
    ? { ...base, status: 'ok', found: `${v}; the workspace is a git repository (worktrees supported)` }
    : {
        ...base,
        status: 'warn',
        found: `${v}; the workspace is not a git repository`,
        meaning: 'write agents need a git repository for their worktrees',
        fix: `git init ${workspace}`,
      };
}
