// `agentic-bg start --foreground`: the host in this terminal, its log on stderr, Ctrl-C stops it
// gracefully. The host stays a child process so the CLI's own modules never load into it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HOST_NODE_FLAGS } from '../../common/hostProcess';
import type { HostPaths } from '../../common/node/paths';

export function runForeground(paths: HostPaths, mode?: string, watch = false): Promise<number> {
  const args = [
    ...HOST_NODE_FLAGS,
    join(__dirname, 'host.js'),
    '--workspace',
    paths.workspace,
    '--launched-by',
    'foreground',
    '--foreground',
  ];
  if (mode) args.push('--mode', mode);
  if (watch) args.push('--watch');
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ? 1 : (code ?? 1))));
}
