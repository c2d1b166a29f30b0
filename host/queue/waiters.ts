// tasks/wait: callers waiting for a task to end (final or interrupted), each with an optional
// timeout after which it gets the task as it is then.
import type { TaskInfo } from '../../common/model';

export class TaskWaiters {
  private readonly waiters = new Map<string, Array<(t: TaskInfo) => void>>();

  /**
   * resolves with the task once settle(task) is called, or after timeoutMs with current(); when
   * `signal` aborts (the client cancelled the request or went away) the waiter is removed at once
   * and resolves with current(), which nobody reads any more
   */
  wait(
    id: string,
    timeoutMs: number | undefined,
    current: () => TaskInfo | undefined,
    signal?: AbortSignal,
  ): Promise<TaskInfo | undefined> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(current());
      const list = this.waiters.get(id) ?? [];
      let timer: NodeJS.Timeout | undefined;
      const fn = (x: TaskInfo) => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(x);
      };
      const remove = (): void => {
        const l = this.waiters.get(id);
        if (!l) return;
        const i = l.indexOf(fn);
        if (i >= 0) l.splice(i, 1);
        if (l.length === 0) this.waiters.delete(id);
      };
      const onAbort = (): void => {
        if (timer) clearTimeout(timer);
        remove();
        resolve(current());
      };
      list.push(fn);
      this.waiters.set(id, list);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          remove();
          resolve(current());
        }, timeoutMs);
      }
    });
  }

  /** callers waiting, all tasks together (host/status) */
  get size(): number {
    let n = 0;
    for (const l of this.waiters.values()) n += l.length;
    return n;
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
