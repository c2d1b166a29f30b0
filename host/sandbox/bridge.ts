// Runs inside an agent's sandbox when it has a network allow-list (dist/sandbox-bridge.js): the
// agent's network namespace has only loopback, so this listens on 127.0.0.1:PROXY_PORT, forwards
// each connection to the host's filtering proxy (a Unix socket in the agent's temp dir), points
// the usual proxy variables at itself, and runs the agent, exiting as the agent exits.
// Usage: node sandbox-bridge.js PROXY_SOCKET -- argv…
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { PROXY_PORT } from './policy';

const sep = process.argv.indexOf('--');
const argv = process.argv.slice(sep + 1);
const upstream = process.argv[2]!;
const server = createServer((c) => {
  const u = connect(upstream);
  c.pipe(u).pipe(c);
  u.on('error', () => c.destroy());
  c.on('error', () => u.destroy());
});
server.listen(PROXY_PORT, '127.0.0.1', () => {
  const proxy = `http://127.0.0.1:${PROXY_PORT}`;
  const env = { ...process.env };
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy']) env[k] = proxy;
  delete env.NO_PROXY;
  delete env.no_proxy;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  child.on('error', (e) => {
    process.stderr.write(`agentic-bg sandbox: cannot run ${argv[0]}: ${e.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    server.close();
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
});
