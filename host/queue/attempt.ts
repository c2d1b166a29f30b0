// One running attempt of a task: the RunRequest the runner gets, with what the scheduler keeps
// about it while it runs. A class, so a task start costs one object and no closures for the
// request's signal and onAbort.
import type { AgentConfig } from '../../common/configSchema';
import type { AttemptRecord, TaskInfo } from '../../common/model';
import type { RunRequest } from './schedulerTypes';
import { TaskAbort } from './taskAbort';

export class Attempt implements RunRequest {
  readonly abort = new TaskAbort();
  /** settles once the outcome is applied (finish) */
  done: Promise<void> | undefined;
  /** a write task whose start record could not be made durable: it was never spawned */
  notStarted = false;

  constructor(
    readonly task: TaskInfo,
    readonly agent: AgentConfig,
    readonly attempt: number,
    readonly timeoutMs: number,
    /** its entry in task.attemptLog, completed in place as the attempt goes */
    readonly rec: AttemptRecord,
  ) {}

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  onAbort(fn: (reason: string) => void): () => void {
    return this.abort.onAbort(fn);
  }
}
