// Where a one-shot agent's output goes: a bounded in-memory stdout (parsed into findings later), a
// bounded log file (stdout + stderr, line by line), and small stderr and stdout tails for status
// and errors. Everything but the stdout that is parsed is redacted of secrets before it is shown
// or written (builtin/secretsRedact.ts), so no sink ever holds a key the agent printed.
// Every bound drops data but never stops reading: an agent blocked on a full pipe would stall, and
// a stalled agent looks exactly like a hung one.
import { createWriteStream, type WriteStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { LineRedactor, redactTail, StreamRedactor } from '../builtin/secretsRedact';
import { TailRing } from './outputTail';

export const TRUNCATION_MARKER = '\n[... output truncated ...]\n';
const TAIL_LINES = 20;
const MAX_LINE_CHARS = 64 * 1024; // a "line" without a newline is cut here for onStderrLine
const MAX_TAIL_LINE_CHARS = 1000;

export interface CaptureOptions {
  logFile?: string;
  maxLogBytes: number;
  maxStdoutBytes: number;
  onStderrLine?(line: string): void;
}

export class OutputCapture {
  private stdoutChunks: Buffer[] = [];
  private stdoutBytes = 0;
  stdoutTruncated = false;

  private readonly errTail = new TailRing();
  private readonly outTail = new TailRing();
  private readonly outRedactor = new StreamRedactor();
  private readonly errRedactor = new StreamRedactor();
  private readonly lineRedactor = new LineRedactor();

  private log: WriteStream | undefined;
  private logBytes = 0;
  private logTruncated = false;

  // Only allocated when someone wants lines: splitting every stream would cost per-task CPU.
  private decoder: StringDecoder | undefined;
  private carry = '';

  constructor(private readonly opts: CaptureOptions) {
    if (opts.onStderrLine) this.decoder = new StringDecoder('utf8');
  }

  // The log file is created with the first byte of output: a silent agent (most runs of a clean
  // linter) costs no open/close, and tasks/log reads a missing file as empty (npm run bench).
  private logOpened = false;
  private openLog(): WriteStream | undefined {
    if (this.logOpened || !this.opts.logFile) return this.log;
    this.logOpened = true;
    const log = createWriteStream(this.opts.logFile, { mode: 0o600 });
    // A log we cannot write (missing directory, disk full) must not fail the task: drop it.
    log.on('error', () => {
      if (this.log === log) this.log = undefined;
    });
    this.log = log;
    return log;
  }

  onStdout = (chunk: Buffer): void => {
    const room = this.opts.maxStdoutBytes - this.stdoutBytes;
    if (room > 0) {
      const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.stdoutChunks.push(kept);
      this.stdoutBytes += kept.length;
    }
    if (chunk.length > room) this.stdoutTruncated = true;
    this.outTail.push(chunk);
    // redaction costs a regex pass (~100 MB/s): only on what the log file still takes (1 MiB);
    // the tails are redacted when they are read, once per task
    if (!this.logTruncated) {
      const red = this.outRedactor.push(chunk);
      if (red) this.toLog(red);
    }
  };

  onStderr = (chunk: Buffer): void => {
    this.errTail.push(chunk);
    if (!this.logTruncated) {
      const red = this.errRedactor.push(chunk);
      if (red) this.toLog(red);
    }
    if (this.decoder) this.splitLines(this.decoder.write(chunk));
  };

  private toLog(chunk: Buffer): void {
    if (this.logTruncated || chunk.length === 0) return;
    const log = this.openLog();
    if (!log) return;
    const room = this.opts.maxLogBytes - this.logBytes;
    if (chunk.length <= room) {
      log.write(chunk);
      this.logBytes += chunk.length;
      return;
    }
    if (room > 0) log.write(chunk.subarray(0, room));
    log.write(TRUNCATION_MARKER);
    this.logBytes += room;
    this.logTruncated = true;
  }

  private splitLines(text: string): void {
    const all = this.carry + text;
    let start = 0;
    let nl: number;
    while ((nl = all.indexOf('\n', start)) >= 0) {
      this.emitLine(all.slice(start, nl));
      start = nl + 1;
    }
    let s = all.slice(start);
    if (s.length > MAX_LINE_CHARS) {
      this.emitLine(s);
      s = '';
    }
    this.carry = s;
  }

  private emitLine(line: string): void {
    try {
      this.opts.onStderrLine?.(this.lineRedactor.line(line.endsWith('\r') ? line.slice(0, -1) : line));
    } catch {
      // a listener's bug must not break output capture
    }
  }

  /** Flush the last partial line and close the log file (so it is complete when the task resolves). */
  async finish(): Promise<void> {
    const out = this.outRedactor.end();
    if (out) this.toLog(out);
    const err = this.errRedactor.end();
    if (err) this.toLog(err);
    if (this.decoder) {
      const rest = this.carry + this.decoder.end();
      this.carry = '';
      if (rest) this.emitLine(rest);
    }
    const log = this.log;
    this.log = undefined;
    if (!log || log.closed || log.destroyed) return;
    await new Promise<void>((resolve) => {
      log.once('close', () => resolve());
      log.end();
    });
  }

  stdout(): string {
    return Buffer.concat(this.stdoutChunks, this.stdoutBytes).toString('utf8');
  }

  /** the last stderr lines, redacted */
  stderrTail(): string[] {
    return shown(this.errTail.lines(TAIL_LINES));
  }

  /** the last stdout lines, redacted (stdout() itself is the agent's bytes, for parsing only) */
  stdoutTail(): string[] {
    return shown(this.outTail.lines(TAIL_LINES));
  }
}

/** redacted first, then cut: a cut through a secret would leave a prefix no rule recognizes */
function shown(lines: string[]): string[] {
  return redactTail(lines).map((l) => (l.length > MAX_TAIL_LINE_CHARS ? l.slice(0, MAX_TAIL_LINE_CHARS) + '…' : l));
}
