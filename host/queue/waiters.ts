// tasks/wait: callers waiting for a task to end (final or interrupted), each with an optional
// timeout after which it gets the task as it is then.
import type { TaskInfo } from '../../common/model';

export class TaskWaiters {
  private readonly waiters = new Map<string, Array<(t: TaskInfo) => void>>();

  /** resolves with the task once settle(task) is called, or after timeoutMs with current() */
  wait(id: string, timeoutMs: number | undefined, current: () => TaskInfo | undefined): Promise<TaskInfo | undefined> {
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      let timer: NodeJS.Timeout | undefined;
      const fn = (x: TaskInfo) => {
        if (timer) clearTimeout(timer);
        resolve(x);
      };
      list.push(fn);
      this.waiters.set(id, list);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const l = this.waiters.get(id);
          if (l) l.splice(l.indexOf(fn), 1);
          resolve(current());
        }, timeoutMs);
      }
    });
  }

  has(id: string): boolean {
    return this.waiters.size !== 0 && this.waiters.has(id);
  }

  settle(t: TaskInfo): void {
    if (this.waiters.size === 0) return;
    const list = this.waiters.get(t.id);
    if (!list) return;
    this.waiters.delete(t.id);
    for (const fn of list) fn(t);
  }
}
