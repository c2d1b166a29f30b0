// The JSON Schema contributed for agentic_config.yaml is generated from the zod schema: it knows
// every key and, like the host, rejects unknown ones inside `background`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configJsonSchema } from '../../common/jsonSchema';

type Obj = {
  properties?: Record<string, Obj>;
  additionalProperties?: unknown;
  anyOf?: Obj[];
  type?: unknown;
  enum?: unknown[];
};

test('the generated schema describes background, agents and triggers strictly', () => {
  const s = configJsonSchema() as Obj;
  assert.equal((s as { $schema?: string }).$schema, 'http://json-schema.org/draft-07/schema#');
  const bg = s.properties!.background!.anyOf!.find((x) => x.type === 'object')!;
  assert.equal(bg.additionalProperties, false, 'a typo in background is an error');
  for (const k of ['enabled', 'mode', 'max_concurrent_agents', 'agents', 'triggers']) assert.ok(bg.properties![k], k);
  const agent = (bg.properties!.agents!.additionalProperties as Obj).anyOf!.find((x) => x.type === 'object')!;
  assert.equal(agent.additionalProperties, false);
  assert.deepEqual(agent.properties!.builtin!.enum, ['secrets']);
  assert.ok(agent.properties!.batch);
});
