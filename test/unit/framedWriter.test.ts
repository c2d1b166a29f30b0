// common/node/framedWriter.ts: one write per message, same framing as vscode-jsonrpc's own writer,
// so a connection using it talks to one using StreamMessageReader/Writer either way round.
import { strict as assert } from 'node:assert';
import { PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { FramedMessageWriter } from '../../common/node/framedWriter';

/** a stream that records how its data arrived (write vs writev) and passes it on to `out` */
function recordingWire(): { wire: Writable; out: PassThrough; writes: number[] } {
  const out = new PassThrough();
  const writes: number[] = [];
  const wire = new Writable({
    write(chunk: Buffer, _enc, cb) {
      writes.push(1);
      out.write(chunk, cb);
    },
    writev(chunks, cb) {
      writes.push(chunks.length);
      out.write(Buffer.concat(chunks.map((c) => c.chunk as Buffer)), cb);
    },
  });
  return { wire, out, writes };
}

test('each message is one write, messages of one tick one writev, and the library reads them', async () => {
  const { wire, out, writes } = recordingWire();
  const back = new PassThrough();
  const server = createMessageConnection(new StreamMessageReader(out), new StreamMessageWriter(back));
  server.onRequest('echo', (p: { s: string }) => ({ s: `${p.s}!` }));
  server.listen();
  const client = createMessageConnection(new StreamMessageReader(back), new FramedMessageWriter(wire));
  client.listen();
  const one = await client.sendRequest('echo', { s: 'héllo ✓' }); // non-ASCII: Content-Length counts bytes
  assert.deepEqual(one, { s: 'héllo ✓!' });
  assert.deepEqual(writes, [1], 'header and body went out together');
  writes.length = 0;
  const many = await Promise.all(['a', 'b', 'c'].map((s) => client.sendRequest('echo', { s })));
  assert.deepEqual(many, [{ s: 'a!' }, { s: 'b!' }, { s: 'c!' }]);
  assert.deepEqual(writes, [3], 'three requests of one tick went out in one writev');
  client.dispose();
  server.dispose();
});

test('a write to a destroyed stream rejects and reports the error', async () => {
  const { wire } = recordingWire();
  wire.on('error', () => undefined);
  const w = new FramedMessageWriter(wire);
  const errors: unknown[] = [];
  w.onError((e) => errors.push(e));
  wire.destroy();
  await assert.rejects(w.write({ jsonrpc: '2.0', method: 'x' } as never));
  assert.ok(errors.length >= 1);
});
