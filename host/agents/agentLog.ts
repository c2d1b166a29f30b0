// A persistent agent's own log: its stderr (and the supervisor's notes about it) across restarts,
// in .agentic/logs/agents/ID.log, rotated by size, plus the last lines kept in memory for status
// (AgentInfo.stderrTail) and quarantine reasons. A persistent agent lives for days, so the file
// rotates instead of stopping at a cap like a task log does. Every line is redacted of secrets
// before it is kept or written (builtin/secretsRedact.ts).
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LineRedactor, redactSecrets } from '../builtin/secretsRedact';

const TAIL_LINES = 20;
const MAX_LINE_CHARS = 1000;

export class AgentLog {
  private stream: WriteStream | undefined;
  private bytes = 0;
  private rotating = false;
  private opened: Promise<void> | undefined;
  private rotation: Promise<void> | undefined;
  private pending: string[] = [];
  private failed = false;
  private readonly tailLines: string[] = [];
  private readonly redactor = new LineRedactor();

  constructor(
    private readonly file: string | undefined,
    private readonly maxBytes = 1024 * 1024,
  ) {}

  /** The last stderr lines of the agent (any of its processes), oldest first. */
  tail(): string[] {
    return [...this.tailLines];
  }

  /** The last non-empty stderr line, for one-line reasons. */
  lastLine(): string | undefined {
    return this.tailLines.at(-1);
  }

  /** Keeps and writes one stderr line; returns it as kept (redacted), for the task's log. */
  stderr(pid: number, line: string): string {
    const red = this.redactor.line(line);
    const l = red.length > MAX_LINE_CHARS ? `${red.slice(0, MAX_LINE_CHARS)}…` : red;
    if (l.trim() !== '') {
      this.tailLines.push(l);
      if (this.tailLines.length > TAIL_LINES) this.tailLines.shift();
    }
    this.write(`${new Date().toISOString()} [${pid}] ${l}\n`);
    return red;
  }

  /** A supervisor event (started, exited, quarantined), so the file reads as a history. */
  note(text: string): void {
    this.write(`${new Date().toISOString()} -- ${redactSecrets(text)}\n`);
  }

  private write(s: string): void {
    if (!this.file) return;
    if (!this.opened) this.opened = this.open();
    if (!this.stream) {
      // still opening or rotating: held, and written in order as soon as the file is open
      // (a file that failed is best effort: its lines are dropped, never the host's time)
      if (!this.failed) this.pending.push(s);
      return;
    }
    this.stream.write(s);
    this.bytes += Buffer.byteLength(s);
    if (this.bytes > this.maxBytes && !this.rotating) void this.rotate();
  }

  private async open(): Promise<void> {
    const file = this.file!;
    await mkdir(dirname(file), { recursive: true, mode: 0o700 }).catch(() => undefined);
    this.bytes = await stat(file).then(
      (s) => s.size,
      () => 0,
    );
    const s = createWriteStream(file, { flags: 'a', mode: 0o600 });
    s.on('error', () => {
      // a full disk must not take the supervisor down: logging is best effort
      if (this.stream === s) this.stream = undefined;
      this.failed = true;
      this.pending = [];
    });
    this.failed = false;
    this.stream = s;
    const held = this.pending.join('');
    this.pending = [];
    if (held) {
      s.write(held);
      this.bytes += Buffer.byteLength(held);
    }
  }

  /** Resolves once the file is open and no rotation runs: every line so far has been written. */
  async settled(): Promise<void> {
    await this.rotation?.catch(() => undefined);
    await this.opened?.catch(() => undefined);
  }

  private rotate(): Promise<void> {
    this.rotation = this.doRotate();
    return this.rotation;
  }

  private async doRotate(): Promise<void> {
    this.rotating = true;
    const old = this.stream;
    this.stream = undefined;
    try {
      await new Promise<void>((r) => (old ? old.end(r) : r()));
      await rename(this.file!, `${this.file}.1`).catch(() => undefined);
      this.opened = this.open();
      await this.opened;
    } finally {
      this.rotating = false;
    }
  }

  async close(): Promise<void> {
    await this.rotation?.catch(() => undefined);
    await this.opened?.catch(() => undefined);
    const s = this.stream;
    this.stream = undefined;
    if (s) await new Promise<void>((r) => s.end(r));
  }
}
