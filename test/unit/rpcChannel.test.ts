// The host's lean JSON-RPC endpoint (common/node/rpcChannel.ts) against vscode-jsonrpc on the other
// side (as the SDK and any vscode-jsonrpc agent would be), over in-memory streams.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import {
  createMessageConnection,
  ErrorCodes,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  type CancellationToken,
} from 'vscode-jsonrpc/node';
import { RpcChannel, type RpcHandlers } from '../../common/node/rpcChannel';
import { signal } from '../support/wait';

function pair(h: RpcHandlers = {}) {
  const toPeer = new PassThrough();
  const fromPeer = new PassThrough();
  let writes = 0;
  const write = toPeer.write.bind(toPeer) as (chunk: unknown) => boolean;
  toPeer.write = ((chunk: unknown) => (writes++, write(chunk))) as typeof toPeer.write;
  const ch = new RpcChannel(fromPeer, toPeer, h);
  const peer = createMessageConnection(new StreamMessageReader(toPeer), new StreamMessageWriter(fromPeer));
  return { ch, peer, fromPeer, writes: () => writes };
}

const frame = (msg: unknown): string => {
  const body = JSON.stringify(msg);
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
};

describe('RpcChannel', () => {
  it('requests, results, errors and notifications both ways, with a vscode-jsonrpc peer', async () => {
    const seen: unknown[] = [];
    const { ch, peer } = pair({ onNotification: (m, p) => seen.push([m, p]), onRequest: (m, p) => ({ echo: [m, p] }) });
    peer.onRequest('add', (p: { a: number; b: number }) => p.a + p.b);
    peer.onRequest('fail', () => {
      throw new ResponseError(-32001, 'nope', { why: 'test' });
    });
    peer.onRequest('ünïcödé', (p: string) => `${p} ✓`);
    peer.listen();
    assert.equal(await ch.request('add', { a: 2, b: 3 }).promise, 5);
    assert.equal(await ch.request('ünïcödé', 'ß'.repeat(3000)).promise, `${'ß'.repeat(3000)} ✓`);
    const err = await ch.request('fail', {}).promise.catch((e: unknown) => e);
    assert.ok(err instanceof ResponseError);
    assert.equal(err.code, -32001);
    assert.deepEqual(err.data, { why: 'test' });
    await peer.sendNotification('note', { n: 1 });
    assert.deepEqual(await peer.sendRequest('ask', { x: 1 }), { echo: ['ask', { x: 1 }] });
    assert.deepEqual(seen, [['note', { n: 1 }]]);
    peer.dispose();
  });

  it('cancel sends $/cancelRequest: the peer sees its token cancelled', async () => {
    const { ch, peer } = pair();
    const started = signal();
    const sawCancel = signal();
    peer.onRequest('slow', (_p: unknown, token: CancellationToken) => {
      started.resolve();
      return new Promise((resolve) => token.onCancellationRequested(() => (sawCancel.resolve(), resolve('stopped'))));
    });
    peer.listen();
    const call = ch.request<string>('slow', {});
    // a $/cancelRequest the peer reads before the request itself is dropped: cancel a running call
    await started.promise;
    ch.cancel(call.id);
    await sawCancel.promise;
    assert.equal(await call.promise, 'stopped');
    peer.dispose();
  });

  it('every answer of one chunk is handled in that turn; what one turn sends is one write', async () => {
    const { ch, fromPeer, writes } = pair();
    const calls = [1, 2, 3].map((i) => ch.request<number>('m', i));
    await new Promise((r) => setImmediate(r));
    assert.equal(writes(), 1, 'three requests, one write');
    const settled: number[] = [];
    for (const c of calls) void c.promise.then((v) => settled.push(v));
    fromPeer.write(calls.map((c) => frame({ jsonrpc: '2.0', id: c.id, result: c.id * 10 })).join(''));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      settled,
      calls.map((c) => c.id * 10),
    );
  });

  it('a message split anywhere across chunks still arrives whole', async () => {
    const { ch, fromPeer } = pair();
    const call = ch.request<string>('m', null);
    const bytes = Buffer.from(frame({ jsonrpc: '2.0', id: call.id, result: 'héllo wörld' }));
    for (let i = 0; i < bytes.length; i++) fromPeer.write(bytes.subarray(i, i + 1));
    assert.equal(await call.promise, 'héllo wörld');
  });

  it('a large message in many chunks is joined once and arrives whole', async () => {
    const { ch, fromPeer } = pair();
    const call = ch.request<string[]>('m', null);
    const big = Array.from({ length: 20_000 }, (_, i) => `finding ${i} ✓`);
    const bytes = Buffer.from(
      frame({ jsonrpc: '2.0', id: call.id, result: big }) + frame({ jsonrpc: '2.0', method: 'after', params: 1 }),
    );
    for (let i = 0; i < bytes.length; i += 4096) fromPeer.write(bytes.subarray(i, i + 4096));
    assert.deepEqual(await call.promise, big);
  });

  it('a broken frame (an agent printing to stdout) is reported once and nothing after it is read', async () => {
    const errors: string[] = [];
    const { ch, fromPeer } = pair({ onError: (e) => errors.push(e.message) });
    const call = ch.request('m', null);
    fromPeer.write('oops, a console.log\r\n\r\n');
    fromPeer.write(frame({ jsonrpc: '2.0', id: call.id, result: 1 }));
    await new Promise((r) => setImmediate(r));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /stdout is reserved/);
    ch.dispose();
    await assert.rejects(
      call.promise,
      (e: unknown) => e instanceof ResponseError && e.code === ErrorCodes.PendingResponseRejected,
    );
  });

  it('dispose rejects what is pending with a connection error; later requests reject at once', async () => {
    const { ch } = pair();
    const a = ch.request('m', null);
    ch.dispose('gone');
    await assert.rejects(a.promise, /gone/);
    await assert.rejects(ch.request('m', null).promise, /gone/);
    assert.equal(ch.inFlight, 0);
  });
});
