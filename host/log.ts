// The host's one logger: structured JSON lines in .agentic/logs/host.log, rotated by size,
// with secret-looking values redacted in every sink (file, subscribers, status).
import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogRecord } from '../common/model';
import { redactSecrets } from './builtin/secretsRedact';
import { LEVEL_RANK, type Fields, type Level, type Logger } from './logger';

const SECRET_KEY_RE = /(pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth)/i;

/**
 * Replaces the values of secret-looking keys (at any depth) by "[redacted]", and secrets the
 * scanner's rules find inside any other string (an agent's stderr line in a `detail`) by a mark.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] =
      SECRET_KEY_RE.test(k) && (typeof v === 'string' || typeof v === 'number') ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

/** An env map for display: the values of secret-looking keys are redacted. */
export function redactEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = SECRET_KEY_RE.test(k) ? '[redacted]' : v;
  return out;
}

export interface HostLogOptions {
  dir: string; // .agentic/logs
  level: Level;
  maxBytes?: number; // rotate when the file grows past this (default 5 MiB)
  keep?: number; // rotated files kept: host.log.1 … host.log.N (default 3)
  /** also echo to stderr (foreground mode) */
  echo?: boolean;
}

type Sink = (r: LogRecord) => void;

/** Owns the log file; rotation happens off the hot path (checked by size, renamed async). */
export class HostLog {
  private level: Level;
  private stream: WriteStream | undefined;
  private bytes = 0;
  private rotating = false;
  /** lines written while the file rotates: they go to the new file, in order, once it is open */
  private pending: string[] = [];
  private readonly sinks = new Set<Sink>();
  private readonly recent: LogRecord[] = [];
  readonly file: string;

  constructor(private readonly opts: HostLogOptions) {
    this.level = opts.level;
    this.file = join(opts.dir, 'host.log');
  }

  async open(): Promise<void> {
    await mkdir(this.opts.dir, { recursive: true, mode: 0o700 });
    this.bytes = await stat(this.file).then(
      (s) => s.size,
      () => 0,
    );
    this.stream = this.openStream();
    // a file left by an older host may be 0644: agents' output reaches this log
    await chmod(this.file, 0o600).catch(() => undefined);
  }

  private openStream(): WriteStream {
    const s = createWriteStream(this.file, { flags: 'a', mode: 0o600 });
    s.on('error', () => {
      // A full disk must not take the host down: logging is best effort.
      if (this.stream === s) this.stream = undefined;
    });
    return s;
  }

  setLevel(level: Level): void {
    this.level = level;
  }
  getLevel(): Level {
    return this.level;
  }

  /** Live subscribers (log/didAppend). They receive every record at or above the host level. */
  subscribe(sink: Sink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  backlog(n: number): LogRecord[] {
    return this.recent.slice(-n);
  }

  write(level: Level, msg: string, fields: Fields): void {
    if (LEVEL_RANK[level] < LEVEL_RANK[this.level]) return;
    const rec = {
      time: new Date().toISOString(),
      level,
      msg: redactSecrets(msg),
      ...(redact(fields) as Fields),
    } as LogRecord;
    this.recent.push(rec);
    if (this.recent.length > 500) this.recent.splice(0, this.recent.length - 500);
    const line = JSON.stringify(rec) + '\n';
    if (this.opts.echo) process.stderr.write(line);
    if (this.rotating) {
      // the old file is closing and the new one not open yet: keep the line for the new file
      this.pending.push(line);
    } else if (this.stream) {
      this.stream.write(line);
      this.bytes += Buffer.byteLength(line);
      if (this.bytes > (this.opts.maxBytes ?? 5 * 1024 * 1024)) void this.rotate();
    }
    for (const s of this.sinks) s(rec);
  }

  /** Resolves once a rotation in progress (if any) has moved its held lines to the new file. */
  rotated(): Promise<void> {
    return this.rotation ?? Promise.resolve();
  }
  private rotation: Promise<void> | undefined;

  private rotate(): Promise<void> {
    this.rotating = true;
    this.rotation = this.doRotate().finally(() => {
      this.rotation = undefined;
    });
    return this.rotation;
  }

  private async doRotate(): Promise<void> {
    const keep = this.opts.keep ?? 3;
    const old = this.stream;
    this.stream = undefined;
    try {
      await new Promise<void>((r) => (old ? old.end(r) : r()));
      await unlink(`${this.file}.${keep}`).catch(() => undefined);
      for (let i = keep - 1; i >= 1; i--)
        await rename(`${this.file}.${i}`, `${this.file}.${i + 1}`).catch(() => undefined);
      await rename(this.file, `${this.file}.1`).catch(() => undefined);
    } finally {
      // Whatever happened to the old file, the lines written meanwhile go to the new one, in order
      // and before any later line (write() holds lines until `rotating` is false, synchronously here).
      this.stream = this.openStream();
      const held = this.pending.join('');
      this.pending = [];
      this.bytes = Buffer.byteLength(held);
      if (held) this.stream.write(held);
      this.rotating = false;
    }
  }

  logger(base: Fields = {}): Logger {
    // the level is checked before the fields are merged: a debug line per task is dropped at info
    const at = (level: Level) => (msg: string, fields?: Fields) => {
      if (LEVEL_RANK[level] >= LEVEL_RANK[this.level]) this.write(level, msg, fields ? { ...base, ...fields } : base);
    };
    return {
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (fields) => this.logger({ ...base, ...fields }),
    };
  }

  async close(): Promise<void> {
    await this.rotated();
    const s = this.stream;
    this.stream = undefined;
    if (s) await new Promise<void>((r) => s.end(r));
  }
}
