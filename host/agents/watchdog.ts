// Nothing outlives the host, even on `kill -9` of the host (ARCHITECTURE.md: Invariants). Agents are arbitrary
// commands that cannot be made to watch their parent, so the host keeps ONE tiny `sh` process
// holding a pipe from it: the host writes `+PGID` / `-PGID` lines as agent process groups start and
// end; when the pipe reaches EOF — the host exited or died, the kernel closes its end either way —
// the watchdog kills every group still recorded and exits. A watchdog that dies is always
// respawned, with backoff, and told every recorded group; while none runs the host's health says so.
//
// Why sh and not node: an idle sh costs ~1 MB, a node process ~40 MB. The loop uses only shell
// builtins (read, case, parameter expansion), so a line never costs a fork.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { nullLogger, type Logger } from '../logger';

// $g holds the recorded pgids as " 12 345 " (space-delimited on both sides), so membership and
// removal are exact-word pattern matches without any external command.
// - INT and HUP are ignored: they come from a terminal, and the watchdog must outlive the host's
//   terminal like the host's agents would; only EOF on stdin ends it.
// - pgids 0 and 1 are refused: `kill -0` / `kill -1` would mean "my group" / "everything".
// - on EOF: SIGTERM (+SIGCONT for throttled groups), up to ~1 s for the groups to go, SIGKILL.
//   `kill -SIG -N` rather than `kill -s SIG -- -N`: dash rejects `--` in its kill builtin.
export const WATCHDOG_SCRIPT = `trap '' INT HUP
g=' '
while IFS= read -r l; do
  n=\${l#?}
  case $n in ''|*[!0-9]*|0|1) continue ;; esac
  case $l in
    +*) case $g in *" $n "*) ;; *) g="$g$n " ;; esac ;;
    -*) case $g in *" $n "*) g="\${g%% $n *} \${g#* $n }" ;; esac ;;
  esac
done
[ "$g" = ' ' ] && exit 0
for n in $g; do kill -TERM -$n 2>/dev/null; kill -CONT -$n 2>/dev/null; done
i=0
while [ $i -lt 10 ]; do
  a=
  for n in $g; do kill -0 -$n 2>/dev/null && a=1; done
  [ -z "$a" ] && exit 0
  sleep 0.1 2>/dev/null || sleep 1
  i=$((i + 1))
done
for n in $g; do kill -KILL -$n 2>/dev/null; done
exit 0
`;

const CLOSE_WAIT_MS = 5000;
/** respawn backoff: doubles per watchdog that died young, back to the first once one lived long */
const FIRST_RESPAWN_MS = 100;
const MAX_RESPAWN_MS = 10_000;
const STABLE_MS = 30_000;

export interface WatchdogOptions {
  /** the shell that runs the script; tests pass a missing one to make spawns fail */
  shell?: () => string;
  /** the watchdog went missing or is back (the host's health shows it) */
  onChange?: () => void;
}

export class Watchdog {
  private child: ChildProcess | undefined;
  private readonly tracked = new Set<number>();
  private respawns = 0;
  private closing = false;
  private respawnTimer: NodeJS.Timeout | undefined;
  private nextDelayMs = FIRST_RESPAWN_MS;
  private spawnedAt = 0;
  private missingSince: Date | undefined;

  private constructor(
    private readonly logger: Logger,
    private readonly opts: WatchdogOptions,
  ) {}

  static start(logger: Logger = nullLogger, opts: WatchdogOptions = {}): Watchdog {
    const w = new Watchdog(logger.child({ component: 'watchdog' }), opts);
    w.spawnChild();
    return w;
  }

  /** since when no watchdog runs (it died and its respawn is pending), or undefined */
  get missing(): { since: Date; respawns: number } | undefined {
    return this.missingSince && !this.closing ? { since: this.missingSince, respawns: this.respawns } : undefined;
  }

  /** pid of the running watchdog process, if any. */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Record an agent process group; call right after spawn (e.g. from runOneShot's onSpawn). */
  track(pgid: number): void {
    if (!Number.isInteger(pgid) || pgid <= 1 || this.tracked.has(pgid)) return;
    this.tracked.add(pgid);
    this.send(`+${pgid}\n`);
  }

  /** Forget a group once it is gone, so the watchdog never signals a pgid that may be reused. */
  untrack(pgid: number): void {
    if (!this.tracked.delete(pgid)) return;
    this.send(`-${pgid}\n`);
  }

  /**
   * Normal shutdown, after the host has itself killed its agents: close the pipe; the watchdog
   * kills whatever is still recorded (normally nothing) and exits. Resolves when it has exited.
   */
  async close(): Promise<void> {
    this.closing = true;
    if (this.respawnTimer) clearTimeout(this.respawnTimer);
    this.respawnTimer = undefined;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.ref(); // keep the loop alive until it has exited, so the caller's await completes
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn('watchdog did not exit after its pipe closed; killing it', { pid: child.pid });
        child.kill('SIGKILL');
      }, CLOSE_WAIT_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.flush(); // lines gathered this tick go before the EOF
      child.stdin?.end();
    });
  }

  // Lines are gathered until the current operation's end (process.nextTick): a task that ends and
  // the one that starts in its place cost one pipe write between them, not two.
  private pending = '';
  private send(line: string): void {
    if (!this.pending) process.nextTick(() => this.flush());
    this.pending += line;
  }

  private flush(): void {
    const lines = this.pending;
    this.pending = '';
    const stdin = this.child?.stdin;
    if (lines && stdin && !stdin.destroyed && stdin.writable) stdin.write(lines);
  }

  private spawnChild(): void {
    let child: ChildProcess;
    this.spawnedAt = Date.now();
    try {
      child = spawn(this.opts.shell?.() ?? '/bin/sh', ['-c', WATCHDOG_SCRIPT, 'agentic-watchdog'], {
        // detached: its own session and group, so a signal to the host's group (Ctrl-C in the
        // terminal that ran `agentic-bg start --foreground`) does not take it down with the host.
        detached: true,
        cwd: '/', // it may outlive the host: it must not pin the workspace's directory
        stdio: ['pipe', 'ignore', 'ignore'],
        windowsHide: true,
      });
    } catch (err) {
      this.logger.error('cannot start the watchdog', { error: (err as Error).message });
      this.gone();
      return;
    }
    this.child = child;
    // The watchdog must never be the reason the host's event loop stays alive.
    child.unref();
    const stdin = child.stdin as Socket | null;
    stdin?.unref();
    // EPIPE when the watchdog died: its 'exit' handler deals with that.
    stdin?.on('error', () => {});
    child.on('error', (err) => {
      this.logger.error('watchdog process error', { error: err.message });
      if (child.pid === undefined) this.onExit(child, null, null);
    });
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    if (child.pid !== undefined) {
      this.logger.debug('watchdog started', { pid: child.pid });
      if (this.missingSince) {
        this.missingSince = undefined;
        this.logger.info('watchdog running again', { pid: child.pid, respawns: this.respawns });
        this.opts.onChange?.();
      }
      // After a respawn, the new watchdog must know every group the old one was guarding.
      if (this.tracked.size) this.send([...this.tracked].map((p) => `+${p}\n`).join(''));
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (this.closing) return;
    this.logger.error('watchdog exited unexpectedly', { pid: child.pid, code, signal });
    this.gone();
  }

  /** no watchdog runs: say so, and respawn it after the backoff (always: never give up) */
  private gone(): void {
    if (this.closing || this.respawnTimer) return;
    if (Date.now() - this.spawnedAt >= STABLE_MS) this.nextDelayMs = FIRST_RESPAWN_MS;
    const delay = this.nextDelayMs;
    this.nextDelayMs = Math.min(delay * 2, MAX_RESPAWN_MS);
    if (!this.missingSince) {
      this.missingSince = new Date();
      this.opts.onChange?.();
    }
    this.logger.warn('respawning the watchdog', { inMs: delay, respawns: this.respawns });
    this.respawnTimer = setTimeout(() => {
      this.respawnTimer = undefined;
      if (this.closing) return;
      this.respawns++;
      this.spawnChild();
    }, delay);
    this.respawnTimer.unref(); // the watchdog must never be what keeps the host alive
  }
}
