// The retrying tasks (waiting out their backoff) and the one timer for the earliest of them: when
// it fires, the scheduler moves the due ones back into the queue.
import type { TaskStore } from './taskStore';

export class RetryTimer {
  readonly ids = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: TaskStore,
    private readonly now: () => number,
    private readonly fire: () => void,
  ) {}

  /** (Re)arms the timer for the earliest nextAttemptAt, or clears it when nothing waits. */
  arm(enabled: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.ids.size === 0 || !enabled) return;
    let earliest = Infinity;
    for (const id of this.ids) {
      const at = Date.parse(this.store.get(id)?.nextAttemptAt ?? '');
      earliest = Math.min(earliest, Number.isNaN(at) ? 0 : at);
    }
    const delay = Math.max(0, earliest - this.now());
    this.timer = setTimeout(this.fire, delay);
    this.timer.unref();
  }

  /** ids whose backoff has passed (removed from the set); ids of tasks gone from the store are dropped */
  takeDue(nowMs: number): string[] {
    const due: string[] = [];
    for (const id of [...this.ids]) {
      const t = this.store.get(id);
      if (!t) {
        this.ids.delete(id);
        continue;
      }
      if (Date.parse(t.nextAttemptAt ?? '') > nowMs) continue;
      this.ids.delete(id);
      due.push(id);
    }
    return due;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
