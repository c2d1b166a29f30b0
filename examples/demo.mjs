// npm run demo: start a host on examples/demo-workspace, run the built-in security audit,
// print the findings as `file:line:col severity message`, stop the host.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
const ws = join(root, 'examples', 'demo-workspace');

function agentic(...args) {
  const r = spawnSync(process.execPath, [cli, ...args, '--workspace', ws], { encoding: 'utf8' });
  return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
}

const started = agentic('start');
process.stdout.write(`$ agentic-bg start\n${started.out}${started.err}`);
if (started.code !== 0) process.exit(started.code);

let code = 0;
try {
  process.stdout.write('$ agentic-bg submit --agent saa --task security-audit --wait\n');
  const r = agentic('submit', '--agent', 'saa', '--task', 'security-audit', '--wait', '--json');
  if (r.code !== 0 && !r.out) throw new Error(r.err);
  const task = JSON.parse(r.out);
  for (const f of task.findings ?? [])
    process.stdout.write(`${f.file}:${f.line}:${f.column} ${f.severity} ${f.message}\n`);
  process.stdout.write(
    `${task.findings?.length ?? 0} finding(s); task ${task.id} ${task.state}${task.detail ? ` (${task.detail})` : ''}\n`,
  );
  code = task.state === 'succeeded' ? 0 : 1;
} catch (err) {
  process.stderr.write(`demo failed: ${err.message}\n`);
  code = 1;
} finally {
  const stopped = agentic('stop');
  process.stdout.write(`$ agentic-bg stop\n${stopped.out}${stopped.err}`);
}
process.exit(code);
