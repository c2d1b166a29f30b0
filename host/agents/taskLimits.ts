// The limits of one task attempt, between the task runner and the monitor: the signal that ends
// the run (the scheduler's cancel/shutdown, or the monitor's memory kill with reason
// memory_limit), the watch from spawn to the end, and what to report afterwards.
import type { Monitor } from './monitor';
import { memoryDetail } from './limits';

export interface LimitedAgent {
  id: string;
  maxMemoryBytes?: number;
  maxCpuPercent?: number;
}

export class TaskLimits {
  /** pass to runOneShot: aborted with the parent's reason, or with 'memory_limit' */
  readonly signal: AbortSignal;
  private readonly ac = new AbortController();
  private pgid: number | undefined;
  private peak: number | undefined;
  private memoryGrace: number | undefined;
  private readonly forward: () => void;

  constructor(
    private readonly monitor: Monitor | undefined,
    private readonly agent: LimitedAgent,
    private readonly taskId: string,
    private readonly parent: AbortSignal,
  ) {
    this.signal = this.ac.signal;
    this.forward = () => this.ac.abort(parent.reason);
    if (parent.aborted) this.forward();
    else parent.addEventListener('abort', this.forward, { once: true });
  }

  /** runOneShot's onSpawn */
  spawned(pgid: number): void {
    this.pgid = pgid;
    this.monitor?.watch(pgid, {
      agent: this.agent.id,
      taskId: this.taskId,
      ...(this.agent.maxMemoryBytes !== undefined ? { maxMemoryBytes: this.agent.maxMemoryBytes } : {}),
      ...(this.agent.maxCpuPercent !== undefined ? { maxCpuPercent: this.agent.maxCpuPercent } : {}),
      onMemoryExceeded: (peak, graceMs) => {
        this.peak = peak;
        this.memoryGrace = graceMs;
        this.ac.abort('memory_limit');
      },
    });
  }

  /** runOneShot's memoryKillGraceMs: the grace the monitor chose when it fired */
  memoryKillGraceMs(): number | undefined {
    return this.memoryGrace;
  }

  /** runOneShot's onKill: a throttled group is SIGCONTed and left alone before it is signalled */
  release(): void {
    if (this.pgid !== undefined) this.monitor?.release(this.pgid);
  }

  /** After the run: stop watching; the peak RSS seen and, after a memory kill, the detail. */
  finish(): { peakRssBytes?: number; memoryDetail: string } {
    this.parent.removeEventListener('abort', this.forward);
    const r = this.pgid !== undefined ? this.monitor?.unwatch(this.pgid) : undefined;
    const peak = Math.max(r?.peakRssBytes ?? 0, this.peak ?? 0);
    return {
      ...(peak ? { peakRssBytes: peak } : {}),
      memoryDetail: memoryDetail(this.agent.maxMemoryBytes ?? 0, peak || undefined),
    };
  }
}
