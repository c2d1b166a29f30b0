// `agentic-bg submit`: one task from flags (--file resolved by files.ts) or a batch of JSON lines
// (--from), and with --wait the task's end. A Ctrl-C while waiting closes the connection, which
// ends the host's waiter (server.ts), never the task.
import { readFile } from 'node:fs/promises';
import { PRIORITIES, type Priority } from '../../common/model';
import * as P from '../../common/protocol';
import type { HostPaths } from '../../common/node/paths';
import { bool, list, num, str, UsageError, type Parsed } from './args';
import { resolveFileArgs } from './files';
import { fmtTask } from './format';
import { attached } from './lifecycle';
import { json, out } from './output';

function priorityOf(p: Parsed): Priority | undefined {
  const v = str(p, 'priority');
  if (v !== undefined && !PRIORITIES.includes(v as Priority))
    throw new UsageError(`--priority must be one of ${PRIORITIES.join(', ')}, got "${v}"`);
  return v as Priority | undefined;
}

async function readBatch(from: string, allowOutside: boolean): Promise<P.SubmitItem[]> {
  const text =
    from === '-'
      ? await new Promise<string>((resolve) => {
          let s = '';
          process.stdin
            .setEncoding('utf8')
            .on('data', (d) => (s += d))
            .on('end', () => resolve(s));
        })
      : await readFile(from, 'utf8').catch((e: Error) => {
          throw new UsageError(`cannot read ${from}: ${e.message}`);
        });
  const items: P.SubmitItem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new UsageError(`${from}:${i + 1}: not JSON: ${(e as Error).message}`);
    }
    const o = v as P.SubmitItem;
    if (!o || typeof o !== 'object' || typeof o.agent !== 'string' || typeof o.task !== 'string') {
      throw new UsageError(`${from}:${i + 1}: each line needs "agent" and "task" strings`);
    }
    if (o.files !== undefined && (!Array.isArray(o.files) || o.files.some((f) => typeof f !== 'string')))
      throw new UsageError(`${from}:${i + 1}: "files" must be an array of strings`);
    // a machine's batch, like the extension's: its files go as written (a file may be gone since
    // it was listed); the host refuses, per line, what lies outside the workspace
    if (allowOutside) o.allowOutside = true;
    items.push(o);
  }
  return items;
}

export async function submit(paths: HostPaths, p: Parsed): Promise<number> {
  // all usage errors before connecting: a typo is exit 2 whether or not a host runs
  const from = str(p, 'from');
  const agent = str(p, 'agent');
  const task = str(p, 'task');
  if (from === undefined && (!agent || !task)) throw new UsageError('submit needs --agent and --task (or --from FILE)');
  const timeout = num(p, 'timeout', 0.001);
  const priority = priorityOf(p);
  const key = str(p, 'key');
  const allowOutside = bool(p, 'allow-outside');
  const items = from !== undefined ? await readBatch(from, allowOutside) : [];
  const files =
    from === undefined ? await resolveFileArgs(list(p, 'file'), { workspace: paths.workspace, allowOutside }) : [];
  const conn = await attached(paths);
  try {
    if (from !== undefined) {
      const r = await conn.request(P.SubmitBatchRequest.type, { items, source: 'cli' });
      if (bool(p, 'json')) json(r.results);
      else
        for (const x of r.results)
          out('error' in x ? `line ${x.index + 1}: ${x.error}` : `${x.taskId}${x.coalesced ? ' (coalesced)' : ''}`);
      return r.results.some((x) => 'error' in x) ? 1 : 0;
    }
    const r = await conn.request(P.SubmitRequest.type, {
      agent: agent!,
      task: task!,
      files,
      source: 'cli',
      ...(allowOutside ? { allowOutside } : {}),
      ...(priority ? { priority } : {}),
      ...(key ? { key } : {}),
      ...(timeout !== undefined ? { timeoutMs: Math.round(timeout * 1000) } : {}),
    });
    if (!bool(p, 'wait')) {
      if (bool(p, 'json')) json(r);
      else out(`${r.taskId}${r.coalesced ? ' (coalesced with a queued task)' : ''}`);
      return 0;
    }
    const t = await conn.request(P.WaitTaskRequest.type, { id: r.taskId });
    if (bool(p, 'json')) json(t);
    else out(fmtTask(t));
    return t.state === 'succeeded' ? 0 : 1;
  } finally {
    conn.close();
  }
}
