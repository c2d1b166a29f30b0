import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { resolveConfig, type RawConfigFile, type ResolvedConfig } from '../../common/configSchema';
import { diffConfig } from '../../host/config/diff';

const base: RawConfigFile = {
  background: {
    max_concurrent_agents: 3,
    agents: {
      saa: { builtin: 'secrets', priority: 'high' },
      lint: { command: ['eslint', '${files}'], output: 'eslint-compact' },
    },
    triggers: [{ on: 'save', agent: 'saa' }],
  },
};

/** `base` with its background section changed by `edit`. */
function variant(edit: (bg: NonNullable<RawConfigFile['background']>) => void): ResolvedConfig {
  const copy = structuredClone(base);
  edit(copy.background!);
  return resolveConfig(copy);
}

test('identical configs: nothing changed', () => {
  assert.deepEqual(diffConfig(resolveConfig(base), resolveConfig(structuredClone(base))), {
    changedAgents: [],
    addedAgents: [],
    removedAgents: [],
    globalChanged: false,
    triggersChanged: false,
  });
});

test('an agent setting changed: that agent only', () => {
  const d = diffConfig(
    resolveConfig(base),
    variant((bg) => (bg.agents!.lint!.max_memory = '1GB')),
  );
  assert.deepEqual(d.changedAgents, ['lint']);
  assert.deepEqual([d.addedAgents, d.removedAgents, d.globalChanged, d.triggersChanged], [[], [], false, false]);
});

test('agents added and removed', () => {
  const next = variant((bg) => {
    delete bg.agents!.lint;
    bg.agents!.docs = { command: ['vale', '${files}'] };
  });
  const d = diffConfig(resolveConfig(base), next);
  assert.deepEqual([d.addedAgents, d.removedAgents, d.changedAgents], [['docs'], ['lint'], []]);
});

test('a global default that an agent inherits changes the agent too', () => {
  // task_timeout is the default timeout of every agent without its own: both move.
  const d = diffConfig(
    resolveConfig(base),
    variant((bg) => (bg.task_timeout = '10m')),
  );
  assert.equal(d.globalChanged, true);
  assert.deepEqual(d.changedAgents, ['lint', 'saa']);
});

test('a global-only setting and the triggers are reported separately', () => {
  const g = diffConfig(
    resolveConfig(base),
    variant((bg) => (bg.max_concurrent_agents = 5)),
  );
  assert.deepEqual([g.globalChanged, g.triggersChanged, g.changedAgents], [true, false, []]);
  const t = diffConfig(
    resolveConfig(base),
    variant((bg) => bg.triggers!.push({ on: 'manual', agent: 'lint' })),
  );
  assert.deepEqual([t.globalChanged, t.triggersChanged, t.changedAgents], [false, true, []]);
});

test('the order agents are written in does not matter', () => {
  const reordered = variant((bg) => {
    bg.agents = { lint: bg.agents!.lint!, saa: bg.agents!.saa! };
  });
  const d = diffConfig(resolveConfig(base), reordered);
  assert.deepEqual([d.changedAgents, d.addedAgents, d.removedAgents, d.globalChanged], [[], [], [], false]);
});
