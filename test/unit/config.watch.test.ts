// Real temp directories and the real fs.watch: the point is how editors and the OS behave.
import { strict as assert } from 'node:assert';
import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { memoryLogger } from '../../host/logger';
import { watchConfig, type ConfigWatcher } from '../../host/config/watch';
import { sleep, until } from '../support/wait';

const DEBOUNCE = 30;
const QUIET = 300; // long enough for any stray event to have been debounced and checked

let dir = '';
let file = '';
let watcher: ConfigWatcher | undefined;
let calls = 0;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentic-watch-'));
  file = join(dir, 'agentic_config.yaml');
  calls = 0;
});

afterEach(async () => {
  watcher?.close();
  watcher = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(onChange: () => void = () => calls++, logger = memoryLogger()): Promise<void> {
  watcher = watchConfig(file, onChange, { debounceMs: DEBOUNCE, logger });
  await watcher.ready;
}

async function waitForCalls(n: number, timeoutMs = 5000): Promise<void> {
  await until(() => calls >= n, timeoutMs, `${n} onChange call(s)`, 10);
  await sleep(QUIET); // and no more than n
  assert.equal(calls, n);
}

test('a change gives exactly one callback', async () => {
  await writeFile(file, 'background: {}\n');
  await start();
  await writeFile(file, 'background:\n  enabled: false\n');
  await waitForCalls(1);
});

test('rewriting the same content gives no callback', async () => {
  await writeFile(file, 'background: {}\n');
  await start();
  await writeFile(file, 'background: {}\n');
  await sleep(QUIET);
  assert.equal(calls, 0);
  await writeFile(file, 'background: { enabled: true }\n'); // still watching
  await waitForCalls(1);
});

test('other files in the directory are ignored', async () => {
  await writeFile(file, 'a: 1\n');
  await start();
  await writeFile(join(dir, 'other.yaml'), 'x: 1\n');
  await writeFile(join(dir, 'agentic_config.yaml.bak'), 'x: 1\n');
  await sleep(QUIET);
  assert.equal(calls, 0);
});

test('delete, then re-create: one callback each', async () => {
  await writeFile(file, 'a: 1\n');
  await start();
  await unlink(file);
  await waitForCalls(1);
  await writeFile(file, 'a: 1\n'); // same bytes as before the delete: existence changed
  await waitForCalls(2);
});

test('a file that does not exist yet is picked up when created', async () => {
  await start();
  await writeFile(file, 'background: {}\n');
  await waitForCalls(1);
});

test('rename-replace (write a temporary file, rename it over) is one change', async () => {
  await writeFile(file, 'a: 1\n');
  await start();
  const tmp = join(dir, '.agentic_config.yaml.tmp~');
  await writeFile(tmp, 'a: 2\n');
  await rename(tmp, file);
  await waitForCalls(1);
  // The same dance with unchanged bytes is not a change.
  await writeFile(tmp, 'a: 2\n');
  await rename(tmp, file);
  await sleep(QUIET);
  assert.equal(calls, 1);
  // And the watch survived the inode swap.
  await writeFile(file, 'a: 3\n');
  await waitForCalls(2);
});

test('close() stops callbacks, also one already debounced', async () => {
  await writeFile(file, 'a: 1\n');
  await start();
  await writeFile(file, 'a: 2\n');
  watcher!.close(); // the event may be in flight or pending in the debounce
  await sleep(QUIET);
  await writeFile(file, 'a: 3\n');
  await sleep(QUIET);
  assert.equal(calls, 0);
  watcher!.close(); // idempotent
});

test('close works when called unbound', async () => {
  await start();
  const { close } = watcher!;
  close();
  await writeFile(file, 'a: 1\n');
  await sleep(QUIET);
  assert.equal(calls, 0);
});

test('a throwing onChange is logged and the watch goes on', async () => {
  await writeFile(file, 'a: 1\n');
  const log = memoryLogger();
  await start(() => {
    calls++;
    throw new Error('handler broke');
  }, log);
  await writeFile(file, 'a: 2\n');
  await waitForCalls(1);
  assert.ok(log.records.some((r) => r.level === 'error' && String(r.err).includes('handler broke')));
  await writeFile(file, 'a: 3\n');
  await waitForCalls(2);
});
