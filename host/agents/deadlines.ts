// Deadlines for many concurrent tasks on one timer: each add() is a Map entry, not a setTimeout.
// The timer is armed for the earliest deadline; when it fires, what is due runs and it is armed
// again for the earliest left. Entries are few (the running tasks), so a scan is cheap, and with
// equal timeouts deadlines come in order, so an add rarely moves the timer.
export class Deadlines {
  private readonly entries = new Map<number, { at: number; fn: () => void }>();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;

  /** runs fn after ms unless the returned function is called first */
  add(ms: number, fn: () => void): () => void {
    const key = ++this.seq;
    const at = Date.now() + ms;
    this.entries.set(key, { at, fn });
    if (at < this.armedAt) this.arm(at);
    return () => void this.entries.delete(key);
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    const due: Array<() => void> = [];
    for (const [key, e] of this.entries) {
      if (e.at <= now) {
        this.entries.delete(key);
        due.push(e.fn);
      } else if (e.at < next) next = e.at;
    }
    if (next < Infinity) this.arm(next);
    for (const fn of due) fn();
  }
}
