// The `cgroup` enforcement tier (README: Limits): where the machine delegates the cgroup v2 cpu
// controller to the host's user, each throttled agent group gets its own cgroup with cpu.max and
// the kernel holds it to max_cpu_percent — exact, and no signals. Elsewhere (cgroup v1 or hybrid
// machines, containers without delegation, a cgroup shared with the user's shell) detection says
// why not, and monitor.ts throttles with SIGSTOP/SIGCONT instead.
//
// Layout under the host's own cgroup D (cgroup v2 allows processes only in leaves once a
// controller is enabled for children, so the host first moves itself into a leaf):
//   D/agbg-host-PID   the host
//   D/agbg-PGID       one per throttled agent process group, with cpu.max
import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nullLogger, type Logger } from '../logger';

export interface CgroupEnv {
  /** the cgroup v2 mount (tests point this at a fake tree) */
  root: string;
  selfCgroupFile: string;
  pid: number;
}

const DEFAULT_ENV: CgroupEnv = { root: '/sys/fs/cgroup', selfCgroupFile: '/proc/self/cgroup', pid: process.pid };
const PERIOD_US = 100_000;
const STALE_RE = /^agbg-(\d+|host-\d+)$/;

export type CgroupDetection = { usable: true; dir: string } | { usable: false; reason: string };

async function readWords(file: string): Promise<string[] | undefined> {
  try {
    return (await readFile(file, 'utf8')).split(/\s+/).filter(Boolean);
  } catch {
    return undefined;
  }
}

async function writable(...files: string[]): Promise<boolean> {
  try {
    await Promise.all(files.map((f) => access(f, constants.W_OK)));
    return true;
  } catch {
    return false;
  }
}

/** Read-only checks: does this machine let the host create cgroups with the cpu controller? */
export async function detectCgroup(env: CgroupEnv = DEFAULT_ENV): Promise<CgroupDetection> {
  const top = await readWords(join(env.root, 'cgroup.controllers'));
  if (!top) return { usable: false, reason: `no cgroup v2 hierarchy at ${env.root} (cgroup v1 or hybrid)` };
  if (!top.includes('cpu'))
    return { usable: false, reason: 'the cgroup v2 cpu controller is not enabled on this machine' };
  let self: string;
  try {
    self = await readFile(env.selfCgroupFile, 'utf8');
  } catch {
    return { usable: false, reason: `cannot read ${env.selfCgroupFile}` };
  }
  const path = /^0::(\/.*)$/m.exec(self)?.[1];
  if (path === undefined) return { usable: false, reason: 'the host is not in a cgroup v2 hierarchy' };
  const dir = join(env.root, path);
  if (!(await readWords(join(dir, 'cgroup.controllers')))?.includes('cpu')) {
    return { usable: false, reason: `the cpu controller is not delegated to the host's cgroup ${dir}` };
  }
  if (!(await writable(dir, join(dir, 'cgroup.procs'), join(dir, 'cgroup.subtree_control')))) {
    return { usable: false, reason: `the host's cgroup ${dir} is not writable by this user` };
  }
  return { usable: true, dir };
}

/** One agent process group's cgroup. */
export class AgentCgroup {
  /** pids already written to cgroup.procs (children inherit; earlier forks are moved by the monitor) */
  readonly moved = new Set<number>();
  constructor(readonly dir: string) {}

  async add(pid: number): Promise<boolean> {
    if (this.moved.has(pid)) return true;
    this.moved.add(pid);
    try {
      await writeFile(join(this.dir, 'cgroup.procs'), String(pid));
      return true;
    } catch {
      return false; // it exited meanwhile, or moved itself elsewhere
    }
  }

  /** Once the group is gone. The kernel may take a moment to let go of exited tasks: retry. */
  async remove(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      try {
        await rmdir(this.dir);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        await sleep(100 * (i + 1));
      }
    }
  }
}

export class CgroupTier {
  private setupDone: Promise<string | undefined> | undefined;
  private failure: string | undefined;

  constructor(
    private readonly dir: string,
    private readonly env: CgroupEnv = DEFAULT_ENV,
    private readonly logger: Logger = nullLogger,
  ) {}

  /** false once setting up failed; `reason` then says why */
  get usable(): boolean {
    return this.failure === undefined;
  }
  get reason(): string | undefined {
    return this.failure;
  }

  /**
   * A cgroup holding `pgid` to `cpuPercent` of one core, or undefined (the caller throttles with
   * signals instead). The first call moves the host into its leaf and enables the controller.
   */
  async place(pgid: number, cpuPercent: number): Promise<AgentCgroup | undefined> {
    const parent = await (this.setupDone ??= this.setup());
    if (!parent) return undefined;
    const cg = new AgentCgroup(join(parent, `agbg-${pgid}`));
    try {
      await mkdir(cg.dir);
      const quota = Math.max(1000, Math.round((cpuPercent / 100) * PERIOD_US));
      await writeFile(join(cg.dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
      if (!(await cg.add(pgid))) throw new Error(`cannot move pid ${pgid} into ${cg.dir}`);
      return cg;
    } catch (err) {
      this.logger.warn('cannot place an agent in a cgroup; throttling it with signals instead', {
        pgid,
        error: (err as Error).message,
      });
      await cg.remove();
      return undefined;
    }
  }

  private async setup(): Promise<string | undefined> {
    const leaf = join(this.dir, `agbg-host-${this.env.pid}`);
    await this.removeStale(leaf);
    try {
      await mkdir(leaf, { recursive: true });
      await writeFile(join(leaf, 'cgroup.procs'), String(this.env.pid));
    } catch (err) {
      return this.fail(`cannot move the host into ${leaf}: ${(err as Error).message}`);
    }
    try {
      // EBUSY when other processes (the shell that started the host) share its cgroup
      await writeFile(join(this.dir, 'cgroup.subtree_control'), '+cpu');
    } catch (err) {
      await writeFile(join(this.dir, 'cgroup.procs'), String(this.env.pid)).catch(() => undefined);
      await rmdir(leaf).catch(() => undefined);
      return this.fail(`cannot enable the cpu controller in ${this.dir}: ${(err as Error).message}`);
    }
    this.logger.info('CPU limits are enforced by cgroup v2', { dir: this.dir });
    return this.dir;
  }

  private fail(reason: string): undefined {
    this.failure = reason;
    this.logger.warn('cgroup v2 not usable; CPU limits are enforced with SIGSTOP/SIGCONT', { reason });
    return undefined;
  }

  /** Empty cgroups left by a host that was killed: rmdir refuses any that still hold processes. */
  private async removeStale(keep: string): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const n of names)
      if (STALE_RE.test(n) && join(this.dir, n) !== keep) await rmdir(join(this.dir, n)).catch(() => undefined);
  }
}

/** The tier for this host, or why not. */
export async function createCgroupTier(
  logger: Logger,
  env: CgroupEnv = DEFAULT_ENV,
): Promise<CgroupTier | { reason: string }> {
  if (process.platform !== 'linux') return { reason: 'cgroups exist only on Linux' };
  const d = await detectCgroup(env);
  return d.usable ? new CgroupTier(d.dir, env, logger) : { reason: d.reason };
}
