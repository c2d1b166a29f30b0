// A minimal JSON-RPC 2.0 endpoint over a pair of byte streams, with vscode-jsonrpc's framing
// (`Content-Length: N\r\n\r\n` + N bytes of UTF-8 JSON), so either side may be vscode-jsonrpc.
// The host speaks it to persistent agents, where it is on the path of every task:
// - every message of a chunk read is handled at once, in that turn of the event loop (a
//   vscode-jsonrpc connection handles one message per turn, each behind its own setImmediate),
//   so the answers of N tasks that arrive together start the next N tasks together;
// - what is sent in one turn goes out in one write (one system call, one wake-up of the peer);
// - no per-message promise or callback on the write side, no cancellation token objects.
// Requests from the peer are answered by onRequest; without it, with "method not found".
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc/node';

export interface RpcHandlers {
  onNotification?(method: string, params: unknown): void;
  /** a request from the peer; the value (or the promise's) is the result, a throw the error */
  onRequest?(method: string, params: unknown, id: number | string): unknown;
  /** the input broke the framing or held invalid JSON: the channel reads nothing more */
  onError?(err: Error): void;
  /** something was read (any message): proof of life */
  onActivity?(): void;
  /** the input ended: the peer closed its end, or died */
  onClose?(): void;
}

export interface RpcCall<R> {
  id: number;
  promise: Promise<R>;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

const MAX_HEADER_BYTES = 8 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

export class RpcChannel {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** bytes of an incomplete message, kept as read (a large message is joined once, not per chunk) */
  private parts: Buffer[] = [];
  private have = 0;
  /** bytes the incomplete message needs in all, once its header is read (0: not yet) */
  private need = 0;
  /** frames sent this turn, written together (joined once: no string copied per frame) */
  private out: string[] = [];
  private flushQueued = false;
  private dead: ResponseError<unknown> | undefined;
  /** the framing broke: nothing after it can be trusted */
  private unreadable = false;

  constructor(
    input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
    private readonly h: RpcHandlers = {},
  ) {
    this.onChunk = (d: Buffer) => this.onData(d);
    this.onEnd = () => this.h.onClose?.();
    input.on('data', this.onChunk);
    input.once('end', this.onEnd);
    output.on('error', () => undefined); // EPIPE when the peer is gone: its exit reports that
    this.input = input;
  }

  private readonly input: NodeJS.ReadableStream;
  private readonly onChunk: (d: Buffer) => void;
  private readonly onEnd: () => void;

  request<R>(method: string, params: unknown): RpcCall<R> {
    const id = this.nextId++;
    if (this.dead) return { id, promise: Promise.reject(this.dead) };
    const promise = new Promise<R>((resolve, reject) =>
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }),
    );
    this.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: params ?? null }));
    return { id, promise };
  }

  notify(method: string, params: unknown): void {
    if (this.dead) return;
    this.send(JSON.stringify({ jsonrpc: '2.0', method, params: params ?? null }));
  }

  /** `$/cancelRequest` for a request of ours; its answer (result or error) still settles it */
  cancel(id: number): void {
    if (this.pending.has(id)) this.notify('$/cancelRequest', { id });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Rejects what is pending (with a connection error) and sends nothing more. */
  dispose(message = 'the connection was closed'): void {
    if (this.dead) return;
    this.input.removeListener('data', this.onChunk);
    this.input.removeListener('end', this.onEnd);
    this.dead = new ResponseError(ErrorCodes.PendingResponseRejected, message);
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(this.dead);
  }

  /** body: one flat JSON string (Buffer.byteLength of a concatenated one would flatten a copy) */
  private send(body: string): void {
    this.out.push(`Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n`, body);
    if (this.flushQueued) return;
    this.flushQueued = true;
    // after the current operation (before any I/O callback, so before an exit that follows it)
    process.nextTick(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    const frames = this.out;
    this.out = [];
    if (frames.length && !this.dead) this.output.write(frames.length === 2 ? frames[0]! + frames[1]! : frames.join(''));
  }

  private onData(chunk: Buffer): void {
    if (this.dead || this.unreadable) return;
    this.h.onActivity?.();
    this.parts.push(chunk);
    this.have += chunk.length;
    if (this.need > this.have) return; // the body of a large message is still coming
    const buf = this.parts.length === 1 ? chunk : Buffer.concat(this.parts, this.have);
    this.parts = [];
    this.have = this.need = 0;
    let off = 0;
    while (off < buf.length) {
      const headerEnd = buf.indexOf(HEADER_END, off);
      if (headerEnd < 0) {
        if (buf.length - off > MAX_HEADER_BYTES)
          return this.broken(`no message header end within ${MAX_HEADER_BYTES} bytes`);
        break;
      }
      const len = contentLength(buf.toString('latin1', off, headerEnd));
      if (typeof len === 'string') return this.broken(len);
      const start = headerEnd + 4;
      if (buf.length - start < len) {
        this.need = start + len - off;
        break;
      }
      const text = buf.toString('utf8', start, start + len);
      off = start + len;
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch {
        return this.broken('a message body is not valid JSON');
      }
      this.dispatch(msg);
    }
    if (off < buf.length) {
      const rest = buf.subarray(off);
      this.parts.push(rest);
      this.have = rest.length;
    }
  }

  private broken(why: string): void {
    this.parts = [];
    this.have = this.need = 0;
    this.unreadable = true;
    this.h.onError?.(new Error(why));
  }

  private dispatch(msg: unknown): void {
    if (!msg || typeof msg !== 'object') return;
    const m = msg as {
      id?: number | string | null;
      method?: unknown;
      params?: unknown;
      result?: unknown;
      error?: { code?: number; message?: string; data?: unknown };
    };
    if (typeof m.method === 'string') {
      if (m.id === undefined || m.id === null) this.h.onNotification?.(m.method, m.params);
      else this.answer(m.id, m.method, m.params);
      return;
    }
    if (typeof m.id !== 'number') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error)
      p.reject(
        new ResponseError(
          typeof m.error.code === 'number' ? m.error.code : ErrorCodes.InternalError,
          String(m.error.message ?? 'error'),
          m.error.data,
        ),
      );
    else p.resolve(m.result === undefined ? null : m.result);
  }

  private answer(id: number | string, method: string, params: unknown): void {
    const ok = (v: unknown): void => this.send(JSON.stringify({ jsonrpc: '2.0', id, result: v ?? null }));
    const fail = (err: unknown): void => {
      const code = err instanceof ResponseError ? err.code : ErrorCodes.InternalError;
      const message = err instanceof Error ? err.message : String(err);
      this.send(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }));
    };
    if (!this.h.onRequest) return fail(new ResponseError(ErrorCodes.MethodNotFound, `unhandled method ${method}`));
    try {
      const r = this.h.onRequest(method, params, id);
      if (r && typeof (r as PromiseLike<unknown>).then === 'function') (r as PromiseLike<unknown>).then(ok, fail);
      else ok(r);
    } catch (err) {
      fail(err);
    }
  }
}

/** the Content-Length of a header block, or why it is not a valid one */
function contentLength(header: string): number | string {
  let len: number | undefined;
  for (const line of header.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0)
      return `message header must separate key and value using ':' (got ${JSON.stringify(line.slice(0, 80))}; stdout is reserved for JSON-RPC)`;
    if (line.slice(0, colon).trim().toLowerCase() === 'content-length') {
      len = Number(line.slice(colon + 1).trim());
      if (!Number.isInteger(len) || len < 0)
        return `invalid Content-Length ${JSON.stringify(line.slice(colon + 1).trim())}`;
    }
  }
  return len === undefined ? 'message header without Content-Length' : len;
}
