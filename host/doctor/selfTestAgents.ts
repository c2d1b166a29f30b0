// The scratch workspace of `agentic-bg doctor --self-test`: its agentic_config.yaml and the small
// agent scripts it runs (plain Node, written into the scratch folder, so the self-test needs
// nothing from the repository's test fixtures).

export const AGENT_SCRIPTS: Record<string, string> = {
  // appends a line per run: the kill -9 check counts runs
  'record.js': `require('fs').appendFileSync('record.runs', process.pid + '\\n'); setTimeout(() => {}, 300);`,
  // a child that ignores SIGTERM, then hangs: the timeout must take the whole group
  'hang.js': `const { spawn } = require('child_process');
const c = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
require('fs').writeFileSync('hang.pids', process.pid + '\\n' + c.pid + '\\n');
process.on('SIGTERM', () => {});
setInterval(() => {}, 1000);`,
  // grows by 20 MB every 50 ms, touching its pages
  'hog.js': `const keep = []; setInterval(() => keep.push(Buffer.alloc(20e6, 1)), 50);`,
  // spins for 3 s of wall time and reports the share of a core it got
  'spin.js': `const t0 = Date.now(), c0 = process.cpuUsage();
while (Date.now() - t0 < 3000) {}
const c = process.cpuUsage(c0), wall = Date.now() - t0;
require('fs').writeFileSync('spin.out', 'cpu=' + ((c.user + c.system) / 10 / wall) + '\\n');`,
  // sandboxed: tries to write beside the workspace and to reach a local server (both must fail)
  'escape.js': `const { params } = JSON.parse(require('fs').readFileSync(0, 'utf8'));
try { require('fs').writeFileSync(params.target, 'x'); console.log('write: WROTE'); } catch { console.log('write: denied'); }
require('http').get({ host: '127.0.0.1', port: params.port, timeout: 2000 }, () => console.log('network: REACHED'))
  .on('error', () => console.log('network: denied'));`,
  // lives until killed: the orphan check kills the host under it
  'linger.js': `require('fs').writeFileSync('linger.pids', process.pid + '\\n'); setInterval(() => {}, 1000);`,
};

export function selfTestConfig(node: string): string {
  const cmd = (script: string) => JSON.stringify([node, script]);
  return `background:
  enabled: true
  mode: production
  max_concurrent_agents: 4
  retry_attempts: 0
  agents:
    record:
      command: ${cmd('record.js')}
      concurrency: 1
    hang:
      command: ${cmd('hang.js')}
      timeout: 1s
    hog:
      command: ${cmd('hog.js')}
      max_memory: 100MB
      timeout: 30s
    spin:
      command: ${cmd('spin.js')}
      max_cpu_percent: 25
      timeout: 30s
    linger:
      command: ${cmd('linger.js')}
      timeout: 60s
    escape:
      command: ${cmd('escape.js')}
      output: text
      timeout: 30s
      sandbox: {}
`;
}
