// Follows the frames of a JSON-RPC byte stream (`Content-Length: N\r\n\r\n` + N bytes) without
// keeping them, to refuse a frame too large before anyone buffers it: vscode-jsonrpc's reader
// would hold a 100 MB body in memory for a client that never said hello. Pure: bytes in, verdict out.

const HEADER_END = Buffer.from('\r\n\r\n');
export const MAX_HEADER_BYTES = 8 * 1024;

export class FrameScanner {
  private header: Buffer = Buffer.alloc(0);
  /** body bytes of the current frame still to come; 0 while in a header */
  private remaining = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Takes the next bytes; returns why the stream must be cut off, or undefined while it is fine. */
  feed(chunk: Buffer): string | undefined {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - at);
        this.remaining -= n;
        at += n;
        continue;
      }
      // in a header: look for its end in what we have of it plus this chunk
      const prev = this.header.length;
      const joined = Buffer.concat([this.header, chunk.subarray(at)]);
      const end = joined.indexOf(HEADER_END);
      if (end < 0) {
        if (joined.length > MAX_HEADER_BYTES)
          return `a frame header over ${MAX_HEADER_BYTES} bytes without its end (\\r\\n\\r\\n)`;
        this.header = joined;
        return undefined;
      }
      if (end > MAX_HEADER_BYTES) return `a frame header over ${MAX_HEADER_BYTES} bytes`;
      const length = contentLength(joined.subarray(0, end).toString('ascii'));
      if (length === undefined) return 'a frame header without a valid Content-Length';
      if (length > this.maxFrameBytes)
        return `a frame of ${length} bytes, over the limit of ${this.maxFrameBytes} before host/hello`;
      this.header = Buffer.alloc(0);
      this.remaining = length;
      at += end + HEADER_END.length - prev;
      if (length === 0) continue;
    }
    return undefined;
  }
}

function contentLength(header: string): number | undefined {
  for (const line of header.split('\r\n')) {
    const m = /^content-length:\s*(\d{1,15})\s*$/i.exec(line);
    if (m) return Number(m[1]);
  }
  return undefined;
}
