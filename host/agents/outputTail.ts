// The last lines of one output stream, kept as raw bytes in a small ring (decoded only when
// asked for): status's stderrTail, a failure's reason, an AI CLI's outputTail. It holds what the
// agent printed; outputCapture.ts redacts the lines when it reads them.
const DEFAULT_BYTES = 16 * 1024; // enough for 20 ordinary lines

export class TailRing {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private cut = false; // the oldest kept chunk may begin mid-line

  constructor(private readonly maxBytes = DEFAULT_BYTES) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.chunks.length > 1 && this.bytes - this.chunks[0]!.length >= this.maxBytes) {
      this.bytes -= this.chunks.shift()!.length;
      this.cut = true;
    }
  }

  /** Up to `n` non-empty lines, oldest first, whole. */
  lines(n: number): string[] {
    if (this.bytes === 0) return [];
    let lines = Buffer.concat(this.chunks, this.bytes).toString('utf8').split('\n');
    if (this.cut) lines = lines.slice(1); // the first piece is the end of an older line
    const out: string[] = [];
    for (let i = lines.length - 1; i >= 0 && out.length < n; i--) {
      const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
      if (line !== '') out.push(line);
    }
    return out.reverse();
  }
}
