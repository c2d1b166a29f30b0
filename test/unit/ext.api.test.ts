// What activate() hands to other extensions (src/api.ts): outside ExtensionMode.Test only
// read-only status; the test hooks, approving commands among them, only in a test run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeApi } from '../../src/api';
import type { Ctx } from '../../src/ctx';

// Ctx needs a running VS Code; makeApi only reads these members, so a stand-in with them is enough.
function standInCtx(): Ctx {
  return {
    statusBar: { text: 'Agentic: idle', history: ['Agentic: idle'] },
    sessions: [],
    trust: { prompt: undefined },
    onSave: { submitted: [], cost: { saves: 0, maxMs: 0, recentMs: [], lastAt: 0 } },
  } as unknown as Ctx;
}

test('outside a test run the API is read-only status: no way to answer the approval prompt', () => {
  const api = makeApi(standInCtx(), false) as unknown as Record<string, unknown>;
  assert.deepEqual(Object.keys(api).sort(), ['apiVersion', 'statusBarText']);
  assert.equal(api.setApprovalPrompt, undefined);
  assert.ok(Object.isFrozen(api), 'another extension cannot add to it either');
  assert.equal((api.statusBarText as () => string)(), 'Agentic: idle');
});

test('in a test run the hooks are there and setApprovalPrompt answers the prompt', () => {
  const ctx = standInCtx();
  const api = makeApi(ctx, true);
  const prompt = async () => 'approve' as const;
  api.setApprovalPrompt(prompt);
  assert.equal((ctx.trust as unknown as { prompt: unknown }).prompt, prompt);
  assert.deepEqual(api.statusBarHistory(), ['Agentic: idle']);
});
