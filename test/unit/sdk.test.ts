// The agent SDK over in-memory streams, driven by a host-side vscode-jsonrpc connection: the
// handshake, tasks, progress, cancellation, heartbeats, errors and exit on stdin close.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import {
  CancellationTokenSource,
  createMessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { runAgent, type AgentDefinition } from '../../host/sdk/agent';
import {
  AgentMethods,
  REQUEST_CANCELLED,
  type InitializeResult,
  type RunTaskResult,
} from '../../host/sdk/agentProtocol';
import { signal, within } from '../support/wait';

const payload = { id: 't1', agent: 'a', task: 'scan', files: ['x.ts'], attempt: 1, workspace: '/ws' };

function pair(def: AgentDefinition): {
  host: MessageConnection;
  toAgent: PassThrough;
  exits: number[];
  /** resolves at the agent's first exit() */
  exited: Promise<number>;
  dispose(): void;
} {
  const toAgent = new PassThrough();
  const toHost = new PassThrough();
  const exits: number[] = [];
  const exited = signal<number>();
  const agent = runAgent(def, {
    input: toAgent,
    output: toHost,
    exit: (c) => {
      exits.push(c);
      exited.resolve(c);
    },
  });
  const host = createMessageConnection(new StreamMessageReader(toHost), new StreamMessageWriter(toAgent));
  host.listen();
  return {
    host,
    toAgent,
    exits,
    exited: exited.promise,
    dispose: () => {
      host.dispose();
      agent.dispose();
    },
  };
}

const init = (host: MessageConnection) =>
  host.sendRequest(AgentMethods.initialize, {
    protocolVersion: 1,
    agent: 'a',
    workspace: '/ws',
  }) as Promise<InitializeResult>;

describe('agent SDK', () => {
  it('answers initialize with name, version and capabilities, and runs a task with progress', async () => {
    const p = pair({
      name: 'demo',
      version: '2.0.0',
      heartbeatMs: 0,
      capabilities: { languages: ['ts'] },
      runTask(task, { progress }) {
        progress('half', 0.5);
        return { findings: [{ file: task.files[0]!, line: 2, message: `saw ${task.task}` }] };
      },
    });
    try {
      const progress: unknown[] = [];
      p.host.onNotification(AgentMethods.progress, (x) => progress.push(x));
      assert.deepEqual(await init(p.host), {
        name: 'demo',
        version: '2.0.0',
        protocolVersion: 1,
        capabilities: { languages: ['ts'], cancellation: true },
      });
      const r = (await p.host.sendRequest(AgentMethods.runTask, payload)) as RunTaskResult;
      assert.deepEqual(r, { findings: [{ file: 'x.ts', line: 2, message: 'saw scan' }] });
      assert.deepEqual(progress, [{ taskId: 't1', message: 'half', fraction: 0.5 }]);
    } finally {
      p.dispose();
    }
  });

  it('turns $/cancelRequest into an aborted signal and answers RequestCancelled', async () => {
    let aborted = false;
    const running = signal();
    const p = pair({
      name: 'c',
      heartbeatMs: 0,
      runTask: (_t, { signal: abort }) =>
        new Promise((_resolve, reject) => {
          abort.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('stopped'));
          });
          running.resolve();
        }),
    });
    try {
      await init(p.host);
      const cts = new CancellationTokenSource();
      const pending = p.host.sendRequest(AgentMethods.runTask, payload, cts.token);
      // a cancel read before the request would be dropped: cancel the task while it runs
      await running.promise;
      cts.cancel();
      await assert.rejects(pending, (e: ResponseError<unknown>) => e.code === REQUEST_CANCELLED);
      assert.equal(aborted, true);
    } finally {
      p.dispose();
    }
  });

  it('reports a thrown error as the answer, and refuses another protocol version', async () => {
    const p = pair({
      name: 'e',
      heartbeatMs: 0,
      runTask: () => {
        throw new Error('config file missing');
      },
    });
    try {
      await assert.rejects(
        p.host.sendRequest(AgentMethods.initialize, { protocolVersion: 99, agent: 'a', workspace: '/ws' }),
        /protocol 99 is not supported/,
      );
      await init(p.host);
      await assert.rejects(p.host.sendRequest(AgentMethods.runTask, payload), /config file missing/);
    } finally {
      p.dispose();
    }
  });

  it('sends heartbeats at its interval once initialized', async () => {
    const p = pair({ name: 'h', heartbeatMs: 30, runTask: () => ({}) });
    try {
      let beats = 0;
      const third = signal();
      p.host.onNotification(AgentMethods.heartbeat, () => {
        if (++beats === 3) third.resolve();
      });
      const r = await init(p.host);
      assert.equal(r.capabilities?.heartbeatMs, 30);
      await within(third.promise, 5000, 'three heartbeats');
    } finally {
      p.dispose();
    }
  });

  it('answers shutdown, then exits 0 when the host closes stdin', async () => {
    let shut = false;
    const p = pair({ name: 's', heartbeatMs: 0, runTask: () => ({}), shutdown: () => void (shut = true) });
    try {
      await init(p.host);
      assert.equal(await p.host.sendRequest(AgentMethods.shutdown, {}), null);
      assert.equal(shut, true);
      p.toAgent.end();
      assert.equal(await within(p.exited, 5000, 'the agent to exit'), 0);
      assert.deepEqual(p.exits, [0]);
    } finally {
      p.dispose();
    }
  });
});
