// The durable log of task state changes, `.agentic/queue.jsonl` (ARCHITECTURE.md: Invariants, Durability).
//
// - Every append resolves only after its bytes are fdatasync'ed. Appends made while a write is in
//   flight, or in the same turn of the event loop, are grouped and written + synced together
//   (group commit): a burst of 1000 submits costs a few fsyncs, not 1000; a task submitted,
//   started and finished in one turn costs one fsync. A failed write or sync rejects every append
//   of that group.
// - Lazy appends (nobody awaits them: a task's start and finish, journaled for the restart) may
//   wait up to lazyDelayMs for company: a group of only lazy records is written after that delay,
//   or at once when an awaited append, flush(), compact() or close() joins it. Under a stream of
//   finishing tasks that is one sync per delay instead of one per turn; a crash loses at most the
//   last delay's starts and finishes (the tasks run again, or a write task is parked).
// - A record is a snapshot taken when it is appended: it is checked then, and the task is copied
//   (its attempt records too, which the scheduler updates in place), so later changes to the task
//   are not in it. It is serialized when its group is written; a put of a task that already has a
//   put in the group not yet written replaces it: replay keeps only the last put of a task anyway,
//   so a group carries one line, and costs one JSON.stringify, per task.
// - Durable writes go through a handle opened O_DSYNC: each write returns once its data is on
//   stable storage, as write + fdatasync would, in one system call instead of two.
// - All file work (group writes, compaction, close) runs one at a time on a promise chain, so a
//   compaction never interleaves with a write and no append is lost across the rename.
// - Replay recovers from a torn last line (truncated away) and from corruption (the original is
//   kept aside, the valid records are salvaged, the caller is told) — never an empty queue by surprise.
import { chmod, mkdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TaskInfo } from '../../common/model';
import { nullLogger, type Logger } from '../logger';
import { ensureGitignore, keepAside, syncDir, tmpPath, writeAtomic } from './journalFiles';
import { addToBatch, newBatch, openForAppend, snapshot, SYNC_ON_WRITE, urge, type Batch } from './journalBatch';
import { isJournalRecord, parseJournal, serializeRecord, type JournalRecord } from './journalFormat';

export type { JournalRecord } from './journalFormat';

export interface ReplayResult {
  tasks: TaskInfo[]; // last 'put' per id, minus deleted, in first-seen order
  tornTail: boolean; // last line was incomplete and was ignored (and truncated away)
  corrupt?: { movedTo: string; badLines: number[]; message: string };
  bytes: number;
}

export interface JournalOptions {
  logger?: Logger;
  /** default true; false = no fsync at all, for tests and benchmark baselines */
  durable?: boolean;
  /** shouldCompact() stays false below this size; default 1 MiB */
  compactMinBytes?: number;
  /** how long a group of only lazy appends may wait for company; default 10 ms */
  lazyDelayMs?: number;
}

const MAX_REPORTED_BAD_LINES = 1000;

export class Journal {
  readonly stats = { appends: 0, fsyncs: 0 };
  private chain: Promise<void> = Promise.resolve();
  /** the group that new appends join; it is closed (undefined) once its write starts */
  private openBatch: Batch | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** set after a failure that leaves the file in an unknown state; every later write rejects */
  private failure: Error | undefined;

  private constructor(
    readonly file: string,
    private handle: FileHandle,
    private size: number,
    private liveBytes: number,
    private readonly durable: boolean,
    private readonly compactMinBytes: number,
    private readonly lazyDelayMs: number,
  ) {}

  static async open(file: string, opts: JournalOptions = {}): Promise<{ journal: Journal; replay: ReplayResult }> {
    const logger = opts.logger ?? nullLogger;
    const durable = opts.durable ?? true;
    const dir = dirname(file);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await ensureGitignore(dir);
    // a journal left 0644 by an older host holds agents' task details: owner only
    await chmod(file, 0o600).catch(() => undefined);
    // A compaction that crashed before its rename leaves its temp file; the journal itself is intact.
    await rm(tmpPath(file), { force: true });

    let buf: Buffer;
    let existed = true;
    try {
      buf = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      buf = Buffer.alloc(0);
      existed = false;
    }
    const parsed = parseJournal(buf);
    const tasks = [...parsed.live.values()].map((l) => l.task);
    let liveBytes = 0;
    for (const l of parsed.live.values()) liveBytes += l.bytes;

    let corrupt: ReplayResult['corrupt'];
    let size: number;
    if (parsed.badLines.length > 0) {
      const movedTo = await keepAside(file);
      const text = tasks.map((task) => serializeRecord({ v: 1, op: 'put', task })).join('');
      await writeAtomic(file, text, durable);
      size = liveBytes = Buffer.byteLength(text);
      const n = parsed.badLines.length;
      const message =
        `queue journal ${file} had ${n} corrupt line(s) (${parsed.badLines.slice(0, 10).join(', ')}${n > 10 ? ', …' : ''}); ` +
        `salvaged ${tasks.length} task(s) from the valid lines; the original is kept at ${movedTo}`;
      corrupt = { movedTo, badLines: parsed.badLines.slice(0, MAX_REPORTED_BAD_LINES), message };
      logger.error(message, { file, movedTo, badLines: n, salvaged: tasks.length });
    } else {
      size = parsed.keepBytes;
    }

    const handle = await openForAppend(file, durable);
    try {
      if (!corrupt && parsed.keepBytes < buf.length) {
        // Cut the torn line so the next append starts on a line of its own.
        await handle.truncate(parsed.keepBytes);
        if (durable) await handle.datasync();
        logger.warn('queue journal: ignored an incomplete last line', {
          file,
          droppedBytes: buf.length - parsed.keepBytes,
        });
      }
      if (!existed && durable) await syncDir(dir); // make the new file's directory entry durable
    } catch (err) {
      await handle.close();
      throw err;
    }
    const journal = new Journal(
      file,
      handle,
      size,
      liveBytes,
      durable,
      opts.compactMinBytes ?? 1024 * 1024,
      opts.lazyDelayMs ?? 10,
    );
    logger.debug('queue journal replayed', { file, tasks: tasks.length, lines: parsed.lines, bytes: size });
    return { journal, replay: { tasks, tornTail: parsed.tornTail, ...(corrupt ? { corrupt } : {}), bytes: size } };
  }

  /** resolves only after the data is fdatasync'ed (group commit) */
  append(record: JournalRecord): Promise<void> {
    return this.appendMany([record]);
  }

  /**
   * All in one group: written with one write and one sync. lazy: nobody waits for it, the group
   * may wait lazyDelayMs for more (see the top of this file).
   */
  appendMany(records: JournalRecord[], opts: { lazy?: boolean } = {}): Promise<void> {
    if (records.length === 0) return this.flush();
    const snaps: JournalRecord[] = [];
    for (const r of records) {
      // a record that would not replay must never reach the file: refused now, not at the write
      if (!isJournalRecord(r))
        return Promise.reject(
          new TypeError('not a valid journal record (v: 1, op put with a TaskInfo, or del with an id)'),
        );
      snaps.push(r.op === 'put' ? { v: 1, op: 'put', task: snapshot(r.task) } : r);
    }
    return this.enqueue(snaps, !opts.lazy);
  }

  /** current file size */
  get bytes(): number {
    return this.size;
  }

  get liveBytesAtLastCompaction(): number {
    return this.liveBytes;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** the error that stopped the journal, if any (the host reports it as unhealthy) */
  get error(): Error | undefined {
    return this.failure;
  }

  shouldCompact(): boolean {
    return this.size > this.compactMinBytes && this.size > 4 * this.liveBytes;
  }

  /**
   * Atomically rewrites the file with just these tasks. `tasks` must reflect every record
   * appended before this call (the scheduler passes its current state): those records are written
   * to the old file first, and records appended after this call land after the snapshot.
   */
  compact(tasks: TaskInfo[]): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    let text: string;
    try {
      text = tasks.map((task) => serializeRecord({ v: 1, op: 'put', task })).join('');
    } catch (err) {
      return Promise.reject(err);
    }
    // Close the current group: it stays ahead of the compaction on the chain; later appends
    // start a new group queued behind it, so they go to the new file.
    if (this.openBatch) urge(this.openBatch);
    this.openBatch = undefined;
    const done = this.chain.then(() => this.rewrite(text));
    this.chain = done.catch(() => undefined);
    return done;
  }

  /**
   * After a failure (error is set): rewrites the file atomically with just these tasks — the
   * caller's whole current state, so whatever the failed groups held is in it — and accepts
   * appends again. Rejects, still failed, while the disk refuses the rewrite; the caller retries.
   */
  recover(tasks: TaskInfo[]): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    if (!this.failure) return this.flush();
    let text: string;
    try {
      text = tasks.map((task) => serializeRecord({ v: 1, op: 'put', task })).join('');
    } catch (err) {
      return Promise.reject(err);
    }
    const done = this.chain.then(() => this.rewriteAfterFailure(text));
    this.chain = done.catch(() => undefined);
    return done;
  }

  /** resolves when everything appended so far is durable; rejects if the journal has failed */
  async flush(): Promise<void> {
    if (this.openBatch) urge(this.openBatch);
    await this.chain;
    if (this.failure) throw this.failedError();
  }

  /** flush + fsync + close; further appends reject */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.closed = true; // synchronously, before the first await: appends from now on reject
    if (this.openBatch) urge(this.openBatch);
    await this.chain;
    try {
      if (this.durable && !this.failure) {
        await this.handle.sync();
        this.stats.fsyncs++;
      }
    } finally {
      // After a failed compaction the handle may already be closed; closing is all that is left.
      await this.handle.close().catch((err: unknown) => {
        if (!this.failure) throw err;
      });
    }
  }

  private enqueue(records: JournalRecord[], urgent: boolean): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    if (this.failure) return Promise.reject(this.failedError());
    let batch = this.openBatch;
    if (!batch) {
      batch = this.openBatch = newBatch();
      const b = batch;
      // Queued on the chain, the write starts once the previous one is done AND the current turn
      // of the event loop has run (setImmediate; for a lazy group, its delay): everything this
      // turn appends — the submits, the starts and the finishes of tasks that complete at once —
      // shares the group and its fsync.
      this.chain = this.chain.then(() => b.ready).then(() => this.writeBatch(b));
      if (!urgent) {
        b.timer = setTimeout(b.go, this.lazyDelayMs); // ref'd: a pending write keeps the process up
      }
    }
    if (urgent) urge(batch);
    addToBatch(batch, records);
    this.stats.appends += records.length;
    return batch.promise;
  }

  private async writeBatch(b: Batch): Promise<void> {
    if (this.openBatch === b) this.openBatch = undefined; // appends during this I/O form the next group
    try {
      if (this.failure) throw this.failedError();
      let text = '';
      for (const r of b.records) text += JSON.stringify(r) + '\n';
      await this.writeAll(Buffer.from(text, 'utf8'));
      if (this.durable && !SYNC_ON_WRITE) {
        try {
          await this.handle.datasync();
        } catch (err) {
          // After a failed fsync the kernel may have dropped the dirty pages: what is on disk is
          // unknown, so stop rather than let later appends claim durability.
          this.failure = asError(err);
          throw err;
        }
      }
      if (this.durable) this.stats.fsyncs++;
      b.resolve();
    } catch (err) {
      b.reject(err);
    }
  }

  private async writeAll(buf: Buffer): Promise<void> {
    const start = this.size;
    try {
      for (let off = 0; off < buf.length;) {
        const { bytesWritten } = await this.handle.write(buf, off, buf.length - off, null);
        if (bytesWritten <= 0) throw new Error(`short write to ${this.file}`);
        off += bytesWritten;
      }
      this.size += buf.length;
    } catch (err) {
      // After a failed O_DSYNC write, as after a failed fsync, the kernel may have dropped dirty
      // pages: what is on disk is unknown, so stop rather than let later appends claim durability.
      if (this.durable) this.failure ??= asError(err);
      // A partial line at the end would become a corrupt middle line once the next group lands
      // behind it: cut it off. If even that fails, the journal can no longer be trusted.
      try {
        await this.handle.truncate(start);
      } catch (truncErr) {
        this.failure = asError(truncErr);
      }
      throw err;
    }
  }

  private async rewrite(text: string): Promise<void> {
    if (this.failure) throw this.failedError();
    // The old handle is closed before the rename (Windows refuses to replace an open file) and
    // reopened on whichever file ends up at the path; nothing else writes meanwhile (the chain).
    await this.handle.close();
    try {
      await writeAtomic(this.file, text, this.durable, () => this.stats.fsyncs++);
      this.liveBytes = Buffer.byteLength(text);
    } finally {
      try {
        this.handle = await openForAppend(this.file, this.durable);
        // From the file itself: a failure after the rename (directory sync) still replaced it.
        this.size = (await this.handle.stat()).size;
      } catch (err) {
        this.failure = asError(err);
      }
    }
    if (this.failure) throw this.failedError();
  }

  private async rewriteAfterFailure(text: string): Promise<void> {
    // The old handle's state is unknown (a failed sync, or already closed by a failed
    // compaction): it is closed, and what is on disk is replaced as a whole, never appended to.
    await this.handle.close().catch(() => undefined);
    await writeAtomic(this.file, text, this.durable, () => this.stats.fsyncs++);
    this.handle = await openForAppend(this.file, this.durable);
    this.size = (await this.handle.stat()).size;
    this.liveBytes = Buffer.byteLength(text);
    this.failure = undefined;
  }

  private closedError(): Error {
    return new Error(`queue journal ${this.file} is closed`);
  }

  private failedError(): Error {
    return new Error(
      `queue journal ${this.file} cannot be written (${this.failure?.message}); retrying in the background`,
      {
        cause: this.failure,
      },
    );
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
