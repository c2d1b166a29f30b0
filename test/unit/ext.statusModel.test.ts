// The status bar's words and tone in each situation (src/statusModel.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusView, type FolderHealth } from '../../src/statusModel';
import type { AgentInfo, HostStatus } from '../../common/model';
import { reconnectDelayMs } from '../../src/backoff';

function status(over: Partial<HostStatus> = {}, queue: Partial<HostStatus['queue']> = {}): HostStatus {
  return {
    version: '0',
    protocolVersion: 1,
    pid: 42,
    socket: '/s',
    workspace: '/w',
    startedAt: '',
    uptimeMs: 0,
    mode: 'production',
    enabled: true,
    health: 'ok',
    healthReasons: [],
    launchedBy: 'extension',
    clients: 1,
    queue: { queued: 0, running: 0, retrying: 0, succeeded: 0, failed: 0, cancelled: 0, interrupted: 0, ...queue },
    rates: { tasksPerMin: 0, failureRate: 0 },
    agents: [],
    config: { file: '/w/agentic_config.yaml', exists: true, valid: true, usingDefault: false, issues: [] },
    journal: { file: '', bytes: 0 },
    ...over,
  };
}
const folder = (over: Partial<FolderHealth> = {}): FolderHealth => ({
  name: 'ws',
  conn: 'connected',
  status: status(),
  restricted: false,
  awaitingApproval: [],
  ...over,
});

test('start → busy → idle → stopped', () => {
  assert.equal(
    statusView([folder({ conn: 'connecting', status: undefined })], { onSave: true }).text,
    '$(sync~spin) Agentic: starting',
  );
  const busy = statusView([folder({ status: status({}, { running: 2, queued: 1, retrying: 1 }) })], { onSave: true });
  assert.equal(busy.text, '$(sync~spin) Agentic: 2 running · 2 queued');
  assert.equal(busy.tone, 'normal');
  assert.equal(statusView([folder()], { onSave: true }).text, '$(check) Agentic: idle');
  assert.equal(
    statusView([folder({ conn: 'stopped', status: undefined })], { onSave: true }).text,
    '$(debug-stop) Agentic: stopped',
  );
});

test('a host that is down is an error; no folder with a config says so', () => {
  const v = statusView([folder({ conn: 'down', status: undefined, detail: 'exit 1' })], { onSave: true });
  assert.equal(v.text, '$(error) Agentic: host down');
  assert.equal(v.tone, 'error');
  assert.match(v.tooltip, /not running: exit 1/);
  assert.match(statusView([], { onSave: true }).text, /no config/);
});

test('degraded warns, quarantine and error health are errors', () => {
  const deg = statusView([folder({ status: status({ health: 'degraded', healthReasons: ['journal was corrupt'] }) })], {
    onSave: true,
  });
  assert.equal(deg.text, '$(check) Agentic: idle · degraded');
  assert.equal(deg.tone, 'warning');
  assert.match(deg.tooltip, /journal was corrupt/);
  const q = { id: 'lint', state: 'quarantined', reason: 'crashed 5 times' } as AgentInfo;
  const quar = statusView([folder({ status: status({ health: 'degraded', agents: [q] }) })], { onSave: true });
  assert.equal(quar.text, '$(check) Agentic: idle · 1 quarantined');
  assert.equal(quar.tone, 'error');
  assert.match(quar.tooltip, /`lint` quarantined: crashed 5 times/);
  assert.equal(statusView([folder({ status: status({ health: 'error' }) })], { onSave: true }).tone, 'error');
});

test('restricted, approvals and on-save off are said', () => {
  const r = statusView([folder({ restricted: true })], { onSave: true });
  assert.equal(r.text, '$(shield) Agentic: idle · restricted');
  assert.equal(r.tone, 'warning');
  assert.match(r.tooltip, /not trusted/);
  assert.equal(
    statusView([folder({ awaitingApproval: ['lint'] })], { onSave: false }).text,
    '$(check) Agentic: idle · 1 awaiting approval · on-save off',
  );
});

test('several folders add up', () => {
  const v = statusView(
    [folder({ status: status({}, { running: 1 }) }), folder({ name: 'b', status: status({}, { queued: 3 }) })],
    { onSave: true },
  );
  assert.equal(v.text, '$(sync~spin) Agentic: 1 running · 3 queued');
});

test('reconnect backoff doubles up to a ceiling', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 10].map((n) => reconnectDelayMs(n)),
    [250, 500, 1000, 2000, 10_000],
  );
});
