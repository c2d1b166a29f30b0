// Where a one-shot agent's output goes: a bounded in-memory stdout (parsed into findings later), a
// bounded log file (stdout + stderr interleaved), and a small stderr tail for status and errors.
// Every bound drops data but never stops reading: an agent blocked on a full pipe would stall, and
// a stalled agent looks exactly like a hung one.
import { createWriteStream, type WriteStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export const TRUNCATION_MARKER = '\n[... output truncated ...]\n';
const TAIL_LINES = 20;
const TAIL_BYTES = 16 * 1024; // raw stderr kept for the tail: enough for 20 ordinary lines
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

  private tail: Buffer[] = [];
  private tailBytes = 0;
  private tailCut = false; // the oldest kept chunk may begin mid-line

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
    const log = createWriteStream(this.opts.logFile);
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
    this.toLog(chunk);
  };

  onStderr = (chunk: Buffer): void => {
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0].length >= TAIL_BYTES) {
      this.tailBytes -= this.tail.shift()!.length;
      this.tailCut = true;
    }
    this.toLog(chunk);
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
      this.opts.onStderrLine?.(line.endsWith('\r') ? line.slice(0, -1) : line);
    } catch {
      // a listener's bug must not break output capture
    }
  }

  /** Flush the last partial line and close the log file (so it is complete when the task resolves). */
  async finish(): Promise<void> {
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

  stderrTail(): string[] {
    if (this.tailBytes === 0) return [];
    let lines = Buffer.concat(this.tail, this.tailBytes).toString('utf8').split('\n');
    if (this.tailCut) lines = lines.slice(1); // the first piece is the end of an older line
    const out: string[] = [];
    for (let i = lines.length - 1; i >= 0 && out.length < TAIL_LINES; i--) {
      let line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
      if (line === '') continue;
      if (line.length > MAX_TAIL_LINE_CHARS) line = line.slice(0, MAX_TAIL_LINE_CHARS) + '…';
      out.push(line);
    }
    return out.reverse();
  }
}
