import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TaskInfo } from '../../common/model';
import { memoryLogger } from '../../host/logger';
import { Journal, type JournalRecord } from '../../host/queue/journal';

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'agentic-journal-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** a fresh `.agentic/queue.jsonl` path in its own (not yet existing) directory */
function journalPath(): string {
  return join(root, `ws${n++}`, '.agentic', 'queue.jsonl');
}

function task(id: string, over: Partial<TaskInfo> = {}): TaskInfo {
  const at = '2024-01-01T00:00:00.000Z';
  return {
    id,
    agent: 'saa',
    task: 'audit',
    state: 'queued',
    priority: 'medium',
    key: `k-${id}`,
    files: ['src/a.ts'],
    attempts: 0,
    maxAttempts: 3,
    createdAt: at,
    updatedAt: at,
    ...over,
  };
}

const put = (t: TaskInfo): JournalRecord => ({ v: 1, op: 'put', task: t });
const del = (id: string): JournalRecord => ({ v: 1, op: 'del', id });
const line = (r: JournalRecord): string => JSON.stringify(r) + '\n';

describe('Journal', () => {
  it('creates the directory, the file and a .gitignore of "*"', async () => {
    const file = journalPath();
    const { journal, replay } = await Journal.open(file);
    assert.deepEqual(replay, { tasks: [], tornTail: false, bytes: 0 });
    assert.equal(await readFile(join(file, '..', '.gitignore'), 'utf8'), '*\n');
    assert.equal((await stat(file)).size, 0);
    await journal.close();
  });

  it('keeps an existing .gitignore and removes a stale compaction temp file', async () => {
    const file = journalPath();
    await (await Journal.open(file)).journal.close();
    await writeFile(join(file, '..', '.gitignore'), 'mine\n');
    await writeFile(`${file}.tmp`, 'half a compaction');
    await (await Journal.open(file)).journal.close();
    assert.equal(await readFile(join(file, '..', '.gitignore'), 'utf8'), 'mine\n');
    assert.deepEqual((await readdir(join(file, '..'))).sort(), ['.gitignore', 'queue.jsonl']);
  });

  it('replays the last put per id, minus deletes, in first-seen order', async () => {
    const file = journalPath();
    const { journal } = await Journal.open(file);
    await journal.append(put(task('a')));
    await journal.append(put(task('b')));
    await journal.appendMany([put(task('c')), put(task('a', { state: 'running', attempts: 1 })), del('b')]);
    assert.equal(journal.bytes, (await stat(file)).size);
    await journal.close();

    const { journal: j2, replay } = await Journal.open(file);
    assert.deepEqual(
      replay.tasks.map((t) => [t.id, t.state]),
      [
        ['a', 'running'],
        ['c', 'queued'],
      ],
    );
    assert.equal(replay.tornTail, false);
    assert.equal(replay.corrupt, undefined);
    assert.equal(replay.bytes, (await stat(file)).size);
    await j2.close();
  });

  it('logs what was appended, not what the task object became later', async () => {
    const file = journalPath();
    const { journal } = await Journal.open(file);
    const t = task('m');
    const p = journal.append(put(t));
    t.state = 'failed'; // mutated before the group is written
    await p;
    await journal.close();
    const { journal: j2, replay } = await Journal.open(file);
    assert.equal(replay.tasks[0]?.state, 'queued');
    await j2.close();
  });

  it('group commit: 1000 concurrent appends cost a handful of fsyncs', async () => {
    const file = journalPath();
    const { journal } = await Journal.open(file);
    const before = journal.stats.fsyncs;
    // Three waves: one issued at once, two issued while earlier groups are in flight.
    const all: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) all.push(journal.append(put(task(`t${i}`))));
    await Promise.resolve();
    for (let i = 400; i < 700; i++) all.push(journal.append(put(task(`t${i}`))));
    await new Promise((r) => setImmediate(r));
    for (let i = 700; i < 1000; i++) all.push(journal.append(put(task(`t${i}`))));
    await Promise.all(all);
    const fsyncs = journal.stats.fsyncs - before;
    assert.equal(journal.stats.appends, 1000);
    assert.ok(fsyncs >= 1 && fsyncs <= 10, `fsyncs: ${fsyncs}`);
    await journal.close();
    const { journal: j2, replay } = await Journal.open(file);
    assert.equal(replay.tasks.length, 1000);
    assert.equal(replay.tasks[999]?.id, 't999');
    await j2.close();
  });

  it('durable: false never syncs', async () => {
    const { journal } = await Journal.open(journalPath(), { durable: false });
    await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append(put(task(`x${i}`)))));
    await journal.close();
    assert.equal(journal.stats.fsyncs, 0);
  });

  it('ignores a torn last line (no newline) and truncates it away', async () => {
    const file = journalPath();
    const { journal } = await Journal.open(file);
    await journal.append(put(task('a')));
    await journal.close();
    const good = (await stat(file)).size;
    await appendFile(file, line(put(task('b'))).slice(0, 40)); // a write cut short by a crash

    const logs = memoryLogger();
    const { journal: j2, replay } = await Journal.open(file, { logger: logs });
    assert.equal(replay.tornTail, true);
    assert.equal(replay.corrupt, undefined);
    assert.deepEqual(
      replay.tasks.map((t) => t.id),
      ['a'],
    );
    assert.equal((await stat(file)).size, good);
    assert.equal(replay.bytes, good);
    assert.ok(logs.records.some((r) => r.level === 'warn'));
    await j2.append(put(task('c'))); // starts on a clean line
    await j2.close();

    const { journal: j3, replay: r3 } = await Journal.open(file);
    assert.deepEqual(
      r3.tasks.map((t) => t.id),
      ['a', 'c'],
    );
    assert.equal(r3.tornTail, false);
    await j3.close();
  });

  it('ignores an unparsable last line even with a newline (zero bytes after a crash)', async () => {
    const file = journalPath();
    await (await Journal.open(file)).journal.close();
    await writeFile(file, line(put(task('a'))) + '\0\0\0\0{"v":1,"op\n\n');
    const { journal, replay } = await Journal.open(file);
    assert.equal(replay.tornTail, true);
    assert.equal(replay.corrupt, undefined);
    assert.deepEqual(
      replay.tasks.map((t) => t.id),
      ['a'],
    );
    assert.equal(await readFile(file, 'utf8'), line(put(task('a'))));
    await journal.close();
  });

  it('a corrupt middle line: original kept aside, valid records salvaged, reported', async () => {
    const file = journalPath();
    await (await Journal.open(file)).journal.close();
    const original =
      line(put(task('a'))) +
      'this is not json\n' + // line 2
      line(put(task('b'))) +
      '{"v":1,"op":"explode"}\n' + // line 4: valid JSON, wrong shape
      line(put(task('a', { state: 'succeeded' }))) +
      line(put(task('c'))) +
      '{"v":1,"op":"put","task":{"id":"d"'; // torn tail as well
    await writeFile(file, original);

    const logs = memoryLogger();
    const { journal, replay } = await Journal.open(file, { logger: logs });
    assert.ok(replay.corrupt, 'corruption reported');
    assert.deepEqual(replay.corrupt.badLines, [2, 4]);
    assert.match(replay.corrupt.movedTo, /queue\.jsonl\.corrupt-\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z$/);
    assert.ok(!replay.corrupt.movedTo.slice(file.length).includes(':'));
    assert.match(replay.corrupt.message, /2 corrupt line/);
    assert.equal(await readFile(replay.corrupt.movedTo, 'utf8'), original);
    assert.equal(replay.tornTail, true);
    assert.deepEqual(
      replay.tasks.map((t) => [t.id, t.state]),
      [
        ['a', 'succeeded'],
        ['b', 'queued'],
        ['c', 'queued'],
      ],
    );
    assert.ok(logs.records.some((r) => r.level === 'error' && r.movedTo === replay.corrupt?.movedTo));
    await journal.append(put(task('e')));
    await journal.close();

    // The fresh journal is clean and holds the salvage plus what came after.
    const { journal: j2, replay: r2 } = await Journal.open(file);
    assert.equal(r2.corrupt, undefined);
    assert.deepEqual(
      r2.tasks.map((t) => t.id),
      ['a', 'b', 'c', 'e'],
    );
    await j2.close();
  });

  it('a wrong-shaped last line is corruption, not a torn write (a cut write never parses)', async () => {
    const file = journalPath();
    await (await Journal.open(file)).journal.close();
    await writeFile(file, line(put(task('a'))) + '{"v":1,"op":"del"}\n');
    const { journal, replay } = await Journal.open(file);
    assert.deepEqual(replay.corrupt?.badLines, [2]);
    assert.equal(replay.tornTail, false);
    assert.deepEqual(
      replay.tasks.map((t) => t.id),
      ['a'],
    );
    await journal.close();
  });

  it('compaction keeps the content, shrinks the file, and keeps appends made meanwhile', async () => {
    const file = journalPath();
    const { journal } = await Journal.open(file, { compactMinBytes: 10_000 });
    const live = new Map<string, TaskInfo>();
    for (let round = 0; round < 20; round++) {
      const recs: JournalRecord[] = [];
      for (let i = 0; i < 50; i++) {
        const t = task(`t${i}`, { attempts: round, updatedAt: new Date(round * 1000).toISOString() });
        live.set(t.id, t);
        recs.push(put(t));
      }
      await journal.appendMany(recs);
    }
    assert.ok(journal.shouldCompact());
    const before = journal.bytes;

    // A record appended before compact() (still unwritten) is part of the snapshot; records
    // appended after compact() must land behind the snapshot in the new file.
    const early = journal.append(del('t0'));
    live.delete('t0');
    const compaction = journal.compact([...live.values()]);
    const during = [journal.append(put(task('late1'))), journal.append(del('t1')), journal.append(put(task('late2')))];
    await Promise.all([early, compaction, ...during]);

    assert.ok(journal.bytes < before / 10, `${journal.bytes} vs ${before}`);
    assert.ok(!journal.shouldCompact());
    assert.ok(journal.liveBytesAtLastCompaction > 0 && journal.liveBytesAtLastCompaction <= journal.bytes);
    await journal.append(put(task('after')));
    await journal.close();
    assert.deepEqual((await readdir(join(file, '..'))).sort(), ['.gitignore', 'queue.jsonl']);

    const { journal: j2, replay } = await Journal.open(file);
    const ids = replay.tasks.map((t) => t.id);
    assert.deepEqual(ids, [...[...live.keys()].filter((id) => id !== 't1'), 'late1', 'late2', 'after']);
    assert.equal(replay.tasks.find((t) => t.id === 't5')?.attempts, 19);
    await j2.close();
  });

  it('shouldCompact is accurate right after a replay', async () => {
    const file = journalPath();
    const { journal } = await Journal.open(file, { compactMinBytes: 1000 });
    for (let i = 0; i < 30; i++) await journal.append(put(task('same', { attempts: i })));
    await journal.close();
    const { journal: j2, replay } = await Journal.open(file, { compactMinBytes: 1000 });
    assert.equal(replay.tasks.length, 1);
    assert.ok(j2.liveBytesAtLastCompaction < j2.bytes / 20);
    assert.ok(j2.shouldCompact());
    await j2.close();
  });

  it("a task's puts in one group collapse to one line, each a snapshot of the task when it was appended", async () => {
    const file = journalPath();
    const { journal } = await Journal.open(file);
    const t = task('a', { attemptLog: [{ attempt: 1, startedAt: '2026-01-01T00:00:00.000Z' }] });
    const first = journal.append(put(t));
    t.state = 'running';
    t.attemptLog![0]!.pid = 42; // in place, as the scheduler does: the first record must not change
    const second = journal.appendMany([put(t), put(task('b')), { v: 1, op: 'del', id: 'old' }]);
    t.state = 'succeeded'; // after the last append: in no record
    t.attemptLog![0]!.finishedAt = '2026-01-01T00:00:01.000Z';
    await Promise.all([first, second]);
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JournalRecord);
    assert.deepEqual(
      lines.map((r) =>
        r.op === 'put'
          ? `${r.task.id}:${r.task.state}:${r.task.attemptLog?.[0]?.pid ?? '-'}:${r.task.attemptLog?.[0]?.finishedAt ?? '-'}`
          : `del:${r.id}`,
      ),
      ['a:running:42:-', 'b:queued:-:-', 'del:old'],
    );
    assert.equal(journal.stats.appends, 4);
    await journal.close();
  });

  it('a group is written once the current turn of the event loop is over: one sync for what it appended', async () => {
    const { journal } = await Journal.open(journalPath());
    const before = journal.stats.fsyncs;
    const a = journal.append(put(task('a')));
    await Promise.resolve(); // microtasks of this turn still join the group
    const b = journal.append(put(task('b')));
    await Promise.all([a, b]);
    assert.equal(journal.stats.fsyncs - before, 1);
    await journal.close();
  });

  it('a group of only lazy appends waits for its delay, or for an awaited append, flush or close', async () => {
    const { journal } = await Journal.open(journalPath(), { lazyDelayMs: 60_000 });
    let lazyDone = false;
    const lazy = journal.appendMany([put(task('a'))], { lazy: true }).then(() => (lazyDone = true));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(lazyDone, false, 'written before its delay with nothing awaiting it');
    await journal.append(put(task('b'))); // an awaited append takes the lazy ones along
    await lazy;
    const quick = await Journal.open(journalPath(), { lazyDelayMs: 5 });
    const t0 = Date.now();
    await quick.journal.appendMany([put(task('c'))], { lazy: true });
    assert.ok(Date.now() - t0 < 5000);
    const held = journal.appendMany([put(task('d'))], { lazy: true });
    await journal.flush();
    await held;
    const last = journal.appendMany([put(task('e'))], { lazy: true });
    await journal.close();
    await last;
    await quick.journal.close();
  });

  it('rejects an invalid record without writing it', async () => {
    const file = journalPath();
    const { journal } = await Journal.open(file);
    await assert.rejects(journal.append({ v: 1, op: 'put', task: { id: 'x' } } as unknown as JournalRecord), TypeError);
    await assert.rejects(journal.appendMany([put(task('ok')), { v: 2 } as unknown as JournalRecord]), TypeError);
    await journal.flush();
    assert.equal(journal.bytes, 0);
    await journal.close();
  });

  it('a failed write rejects every append of its group, and later ones', async () => {
    const { journal } = await Journal.open(journalPath());
    // Pull the file handle out from under the journal to make the next write fail.
    await (journal as unknown as { handle: FileHandle }).handle.close();
    const group = [journal.append(put(task('a'))), journal.append(put(task('b')))];
    const results = await Promise.allSettled(group);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    await assert.rejects(journal.append(put(task('c'))), /cannot be written/);
    await assert.rejects(journal.flush(), /cannot be written/);
    assert.ok(journal.error);
    await journal.close(); // still closes without throwing
  });

  it('recover() after a failure rewrites the file from the given state and accepts appends again', async () => {
    const file = journalPath();
    const { journal } = await Journal.open(file);
    await journal.append(put(task('a')));
    await (journal as unknown as { handle: FileHandle }).handle.close();
    await assert.rejects(journal.append(put(task('b'))));
    assert.ok(journal.error);
    // the caller's whole state: 'b' was refused (rolled back), 'a' has moved on in memory
    await journal.recover([task('a', { state: 'succeeded' })]);
    assert.equal(journal.error, undefined);
    await journal.append(put(task('c')));
    await journal.close();
    const { journal: again, replay } = await Journal.open(file);
    assert.deepEqual(
      replay.tasks.map((t) => [t.id, t.state]),
      [
        ['a', 'succeeded'],
        ['c', 'queued'],
      ],
    );
    await again.close();
  });

  it('after close, append and compact reject with a clear error; close is idempotent', async () => {
    const { journal } = await Journal.open(journalPath());
    const pending = journal.append(put(task('a')));
    const closing = journal.close();
    await assert.rejects(journal.append(put(task('b'))), /is closed/);
    await assert.rejects(journal.compact([]), /is closed/);
    await pending; // appended before close: still written
    await closing;
    await journal.close();
    assert.equal(journal.stats.appends, 1);
  });
});
