// A running attempt's abort ('cancelled' | 'shutdown'), as RunRequest.signal and onAbort. The
// AbortController behind the signal is made only if a runner reads it: in Node it costs an
// EventTarget and more per task, and a persistent agent's tasks only need the callback.
export class TaskAbort {
  reason: string | undefined;
  private ac: AbortController | undefined;
  private fns: Array<(reason: string) => void> | undefined;

  get signal(): AbortSignal {
    if (!this.ac) {
      this.ac = new AbortController();
      if (this.reason !== undefined) this.ac.abort(this.reason);
    }
    return this.ac.signal;
  }

  onAbort(fn: (reason: string) => void): () => void {
    if (this.reason !== undefined) {
      fn(this.reason);
      return () => undefined;
    }
    (this.fns ??= []).push(fn);
    return () => {
      const i = this.fns?.indexOf(fn) ?? -1;
      if (i >= 0) this.fns!.splice(i, 1);
    };
  }

  abort(reason: string): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.ac?.abort(reason);
    const fns = this.fns;
    this.fns = undefined;
    if (fns) for (const fn of fns) fn(reason);
  }
}
