// The rows of the Agents and Tasks views (src/views/treeModels.ts) and approval planning
// (src/approvals.ts, common/approval.ts).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { agentEntryRange } from '../../src/configLocate';
import { agentRow, formatBytes, groupTasks, taskRow } from '../../src/views/treeModels';
import { approvalDetail, askKey, planApprovals } from '../../src/approvals';
import { approvalPayload } from '../../common/approval';
import type { AgentInfo, TaskInfo } from '../../common/model';
import { Approvals } from '../../host/approval';
import type { AgentConfig } from '../../common/configSchema';

const agent = (over: Partial<AgentInfo> = {}): AgentInfo => ({
  id: 'lint',
  state: 'idle',
  kind: 'command',
  command: ['npx', 'eslint', '${files}'],
  persistent: false,
  effects: 'read',
  priority: 'medium',
  concurrency: 1,
  running: 0,
  queued: 0,
  pids: [],
  restarts: 0,
  tier: 'throttle',
  limits: { timeoutMs: 120_000 },
  ...over,
});
const task = (over: Partial<TaskInfo> = {}): TaskInfo => ({
  id: 't1',
  agent: 'saa',
  task: 'audit',
  state: 'queued',
  priority: 'high',
  key: 'k',
  files: ['src/a.py'],
  attempts: 0,
  maxAttempts: 4,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

test('agent rows: state, pid, CPU, memory, restarts, tier, reason; inline actions by contextValue', () => {
  const r = agentRow(
    agent({ state: 'running', pids: [123], cpuPercent: 12.4, rssBytes: 50 * 1024 * 1024, restarts: 1 }),
  );
  assert.equal(r.description, 'running · pid 123 · 12% CPU · 50.0 MiB · 1 restart · throttle');
  assert.equal(r.contextValue, 'agent.running');
  assert.equal(r.icon, 'sync~spin');
  const q = agentRow(agent({ state: 'quarantined', restarts: 5, reason: 'crashed 5 times in 180 s' }));
  assert.match(q.description, /quarantined · 5 restarts · throttle · crashed 5 times/);
  assert.equal(q.color, 'errorForeground');
  const held = agentRow(agent({ approved: false, reason: 'awaiting approval', envKeys: ['TOKEN'] }));
  assert.equal(held.contextValue, 'agent.awaiting');
  assert.match(held.description, /^awaiting approval · /);
  assert.match(held.tooltip, /`TOKEN`/);
  const noted = agentRow(agent({ lastRunNote: 'the tool reports that its run did not succeed: Parsing error' }));
  assert.match(noted.tooltip, /- last run: the tool reports that its run did not succeed: Parsing error/);
  assert.doesNotMatch(agentRow(agent({})).tooltip, /last run/);
  const boxed = agentRow(agent({ sandbox: 'sandboxed (bubblewrap)' }));
  assert.match(boxed.description, / · sandboxed/);
  assert.match(boxed.tooltip, /- sandbox: sandboxed \(bubblewrap\)/);
  assert.match(
    agentRow(agent({ sandbox: 'unsandboxed: sandbox: off in agentic_config.yaml' })).description,
    /⚠ sandbox off/,
  );
  assert.doesNotMatch(agentRow(agent({ sandbox: 'unsandboxed: no sandbox: block' })).description, /sandbox/);
  assert.equal(formatBytes(512), '512 B');
});

test('tasks are grouped by state in a fixed order, newest first, capped', () => {
  const ts = [
    task({ id: 'a', state: 'succeeded', createdAt: '2026-01-01T00:00:01Z' }),
    task({ id: 'b', state: 'running' }),
    task({ id: 'c', state: 'succeeded', createdAt: '2026-01-01T00:00:02Z' }),
    task({ id: 'd', state: 'failed' }),
  ];
  const g = groupTasks(ts, 1);
  assert.deepEqual(
    g.map((x) => [x.state, x.total, x.tasks.map((t) => t.id)]),
    [
      ['running', 1, ['b']],
      ['failed', 1, ['d']],
      ['succeeded', 2, ['c']],
    ],
  );
});

test('task rows: priority, attempt, duration, reason; log only once started', () => {
  const now = Date.parse('2026-01-01T00:00:10Z');
  const q = taskRow(task(), now);
  assert.equal(q.label, 'saa: audit — src/a.py');
  assert.equal(q.description, 'high · attempt 0/4 · waiting 10.0 s');
  assert.equal(q.contextValue, 'task.queued');
  const f = taskRow(
    task({
      state: 'failed',
      attempts: 4,
      files: ['a', 'b'],
      startedAt: '2026-01-01T00:00:01Z',
      finishedAt: '2026-01-01T00:00:03.500Z',
      reason: 'timeout',
      detail: 'timed out after 2s',
    }),
    now,
  );
  assert.equal(f.label, 'saa: audit — 2 files');
  assert.equal(f.description, 'high · attempt 4/4 · 2.5 s · timeout: timed out after 2s');
  assert.equal(f.contextValue, 'task.failed.log');
});

test('task tooltip: findings with no file, the suppressed count and a note of a succeeded task', () => {
  const now = Date.parse('2026-01-01T00:00:10Z');
  const noFile = {
    file: '',
    line: 1,
    column: 1,
    severity: 'error' as const,
    ruleId: 'BLD001',
    message: 'no project file found',
    agent: 'saa',
    taskId: 't1',
  };
  const t = taskRow(
    task({
      state: 'succeeded',
      findingCount: 3,
      suppressedCount: 2,
      detail: 'the tool reports that its run did not succeed: Parsing error',
      taskFindings: [noFile],
    }),
    now,
  );
  assert.match(t.tooltip, /- note: the tool reports that its run did not succeed: Parsing error/);
  assert.match(t.tooltip, /- 2 finding\(s\) suppressed by the tool, not shown/);
  assert.match(t.tooltip, /\*\*Findings with no file:\*\*\n- error: no project file found \(`BLD001`\)/);
  assert.match(t.description, /3 findings · the tool reports/);
  assert.doesNotMatch(taskRow(task(), now).tooltip, /no file|suppressed|note:/);
});

test('agentEntryRange: the agent key under background.agents, else agents:, else line 1', () => {
  const cfg = [
    '# config',
    'background:',
    '  agents:',
    '    lint:',
    '      command: ["eslint"]',
    '      # saa: not this one',
    '    "saa":',
    '      builtin: secrets',
    '  triggers:',
    '    - { agent: saa }',
  ].join('\n');
  assert.deepEqual(agentEntryRange(cfg, 'saa'), { line: 6, startCol: 4, endCol: 9 });
  assert.deepEqual(agentEntryRange(cfg, 'lint'), { line: 3, startCol: 4, endCol: 8 });
  assert.deepEqual(agentEntryRange(cfg, 'command'), { line: 2, startCol: 2, endCol: 8 }, 'only direct children');
  assert.deepEqual(agentEntryRange(cfg, 'gone'), { line: 2, startCol: 2, endCol: 8 });
  assert.deepEqual(agentEntryRange('', 'saa'), { line: 0, startCol: 0, endCol: 1 });
});

test('approvals: re-send what was approved at this hash, ask about the rest once', () => {
  const a = agent({ approved: false, approvalHash: 'h2' });
  assert.deepEqual(planApprovals([a], { lint: 'h2' }, new Set()), { resend: [{ id: 'lint', hash: 'h2' }], ask: [] });
  assert.deepEqual(
    planApprovals([a], { lint: 'h1' }, new Set()).ask.map((x) => x.id),
    ['lint'],
  );
  assert.deepEqual(planApprovals([a], {}, new Set([askKey('lint', 'h2')])), { resend: [], ask: [] });
  assert.deepEqual(
    planApprovals(
      [agent({ approved: true, approvalHash: 'h2' }), agent({ id: 'saa', kind: 'builtin' })],
      {},
      new Set(),
    ),
    { resend: [], ask: [] },
  );
  const d = approvalDetail(agent({ envKeys: ['A', 'B'] }), '/w', true);
  assert.match(d, /changed since you approved/);
  assert.match(d, /argv: \["npx","eslint","\$\{files\}"\]/);
  assert.match(d, /env keys: A, B/);
  assert.match(d, /cwd: \/w/);
});

test('the approval hash pins argv, env keys (not values) and cwd', () => {
  const cfg = (over: Partial<AgentConfig> = {}) =>
    ({
      id: 'lint',
      kind: 'command',
      command: ['x', '${files}'],
      env: { B: '1', A: '2' },
      sandbox: { enabled: false, write: [], readDeny: [], network: [], required: false },
      ...over,
    }) as AgentConfig;
  const ap = new Approvals('/w', { restricted: false, requireApproval: true });
  const h = ap.hash(cfg());
  assert.equal(
    h,
    createHash('sha256')
      .update(approvalPayload(['x', '${files}'], ['A', 'B'], '/w'))
      .digest('hex'),
  );
  assert.equal(ap.hash(cfg({ env: { A: 'other', B: 'values' } })), h, 'values do not count');
  assert.notEqual(ap.hash(cfg({ env: { A: '1' } })), h);
  assert.notEqual(ap.hash(cfg({ command: ['y'] })), h);
  // an AI agent's persona and prompt are part of what is approved
  assert.notEqual(ap.hash(cfg({ prompt: 'fix the bug' })), ap.hash(cfg({ prompt: 'delete everything' })));
  assert.notEqual(ap.hash(cfg({ persona: 'agents/saa/persona_rules.yaml' })), h);
  assert.notEqual(new Approvals('/v', ap.opts).hash(cfg()), h);
  // the sandbox policy of a sandboxed agent too: loosening it asks again
  const boxed = (network: string[]) =>
    cfg({ sandbox: { enabled: true, write: [], readDeny: [], network, required: false } });
  assert.notEqual(ap.hash(boxed([])), h);
  assert.notEqual(ap.hash(boxed(['api.example.com'])), ap.hash(boxed([])));
  assert.deepEqual(ap.gate(cfg()), { reason: 'awaiting approval', refuse: false });
  assert.equal(ap.approve(cfg(), 'stale'), false);
  assert.equal(ap.approve(cfg(), h), true);
  assert.equal(ap.gate(cfg()), undefined);
  assert.deepEqual(
    ap.gate(cfg({ env: {} })),
    { reason: 'awaiting approval', refuse: false },
    'a changed command is held again',
  );
  assert.equal(ap.gate(cfg({ kind: 'builtin' })), undefined);
  const restricted = new Approvals('/w', { restricted: true, requireApproval: false });
  assert.deepEqual(restricted.gate(cfg()), { reason: 'workspace not trusted: only built-in agents run', refuse: true });
  assert.equal(restricted.gate(cfg({ kind: 'builtin' })), undefined);
  assert.equal(
    new Approvals('/w', { restricted: false, requireApproval: false }).gate(cfg()),
    undefined,
    'a CLI-started host needs no approval',
  );
});
