// Keeps the queue journal writable: after a failed write (disk full, EIO) the journal refuses
// every append (journal.ts); this retries, with backoff, to rewrite it from the scheduler's whole
// current state until the disk takes it again, and lets callers wait for "everything so far is
// durable" across such an outage (tasks/wait answers only then).
import type { TaskInfo } from '../../common/model';
import type { Logger } from '../logger';
import type { Journal } from './journal';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5000;

export interface JournalKeeperDeps {
  journal: Journal;
  logger: Logger;
  /** every task the scheduler holds now: what a recovery writes */
  snapshot(): TaskInfo[];
  /** the journal failed or recovered: health changed, dispatch may resume */
  onChange(): void;
}

export class JournalKeeper {
  private timer: NodeJS.Timeout | undefined;
  private delayMs = FIRST_RETRY_MS;
  private recovering: Promise<void> | undefined;
  private readonly waiting: Array<() => void> = [];
  private since: Date | undefined;

  constructor(private readonly d: JournalKeeperDeps) {}

  /** why the journal cannot be written now, or undefined */
  get failure(): { error: Error; since: Date } | undefined {
    const error = this.d.journal.error;
    return error ? { error, since: this.since ?? new Date() } : undefined;
  }

  /** an append failed: if the journal now refuses writes, start retrying to recover it */
  noteFailure(): void {
    if (!this.d.journal.error || this.d.journal.isClosed || this.timer || this.recovering) return;
    if (!this.since) {
      this.since = new Date();
      this.d.logger.error('the task journal cannot be written: new tasks are refused and none start until it can', {
        error: this.d.journal.error.message,
      });
      this.d.onChange();
    }
    this.schedule();
  }

  /**
   * Resolves once everything appended so far is durable. While the journal cannot be written it
   * waits for the recovery (which writes the whole state) instead of failing.
   */
  async durable(): Promise<void> {
    try {
      await this.d.journal.flush();
      return;
    } catch {
      if (!this.d.journal.error) throw new Error(`queue journal ${this.d.journal.file} is closed`);
    }
    this.noteFailure();
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** one recovery attempt now (the host's stop makes a last one); resolves true when writable */
  async tryNow(): Promise<boolean> {
    if (!this.d.journal.error) return true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.recovering ??= this.attempt().finally(() => (this.recovering = undefined));
    await this.recovering;
    return !this.d.journal.error;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tryNow();
    }, this.delayMs); // ref'd: a journal to save keeps the process up, as a pending write does
    this.delayMs = Math.min(this.delayMs * 2, MAX_RETRY_MS);
  }

  private async attempt(): Promise<void> {
    try {
      await this.d.journal.recover(this.d.snapshot());
    } catch (err) {
      this.d.logger.debug('task journal still cannot be written', { error: String(err) });
      if (this.d.journal.error && !this.d.journal.isClosed) this.schedule();
      return;
    }
    this.d.logger.info('the task journal is writable again', { since: this.since?.toISOString() });
    this.delayMs = FIRST_RETRY_MS;
    this.since = undefined;
    for (const fn of this.waiting.splice(0)) fn();
    this.d.onChange();
  }
}
