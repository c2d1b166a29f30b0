// The logger interface every host module takes. One logger per process (host/log.ts builds it);
// modules receive it, so tests can pass `nullLogger` or a collecting one.
import type { LogRecord } from '../common/model';

export type Level = LogRecord['level'];
export type Fields = Record<string, unknown>;

export interface Logger {
  trace(msg: string, fields?: Fields): void;
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** a logger that adds these fields to every record */
  child(fields: Fields): Logger;
}

export const LEVEL_RANK: Record<Level, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };

export const nullLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return nullLogger;
  },
};

/** A logger that keeps records in memory: for tests. */
export function memoryLogger(records: LogRecord[] = [], base: Fields = {}): Logger & { records: LogRecord[] } {
  const at =
    (level: Level) =>
    (msg: string, fields?: Fields): void => {
      records.push({ time: new Date().toISOString(), level, msg, ...base, ...fields });
    };
  return {
    records,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => memoryLogger(records, { ...base, ...fields }),
  };
}
