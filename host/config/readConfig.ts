// Reading agentic_config.yaml before anything parses it: a size cap checked on the open file
// (a 50 MB file once held the host at 100 % CPU and 1.5 GB for minutes), a read that stops at
// the cap even if the file grows meanwhile, and bytes that must be UTF-8 (line:col of the first
// bad one). What this refuses never reaches the YAML parser or the validator.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import type { ConfigIssue } from '../../common/model';
import { invalidUtf8At, positionOfByte } from './utf8';

/** A configuration is a few kB; 1 MiB leaves room for generated ones and bounds the parse. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export type ConfigText =
  | { kind: 'missing' }
  | { kind: 'text'; text: string }
  /** the file is there but refused: unreadable, too large, not UTF-8 */
  | { kind: 'refused'; issue: ConfigIssue };

export async function readConfigText(file: string, maxBytes = MAX_CONFIG_BYTES): Promise<ConfigText> {
  let fh;
  try {
    // O_NONBLOCK: a FIFO put in the file's place must not hang the open until a writer comes
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    return refused(`cannot read the file: ${(err as Error).message}`);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) return refused('cannot read the file: EISDIR: it is a directory');
    if (!st.isFile()) return refused('cannot read the file: not a regular file');
    if (st.size > maxBytes) return refused(tooLarge(st.size, maxBytes));
    // one byte more than allowed: a file that grew since the stat is still caught
    const buf = Buffer.allocUnsafe(maxBytes + 1);
    let len = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, len, buf.length - len, len);
      if (bytesRead === 0) break;
      len += bytesRead;
      if (len > maxBytes) return refused(tooLarge(len, maxBytes, true));
    }
    const bytes = buf.subarray(0, len);
    if (!isUtf8(bytes)) {
      const at = invalidUtf8At(bytes);
      const { line, column } = positionOfByte(bytes, at);
      return {
        kind: 'refused',
        issue: {
          severity: 'error',
          path: '',
          message: `invalid UTF-8: byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at offset ${at}; save the file as UTF-8`,
          line,
          column,
        },
      };
    }
    return { kind: 'text', text: bytes.toString('utf8') };
  } catch (err) {
    return refused(`cannot read the file: ${(err as Error).message}`);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function refused(message: string): ConfigText {
  return { kind: 'refused', issue: { severity: 'error', message, path: '' } };
}

function tooLarge(size: number, max: number, atLeast = false): string {
  return `the file is ${atLeast ? 'more than ' : ''}${fmtSize(size)}; a configuration may be at most ${fmtSize(max)}`;
}

function fmtSize(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round((n / 1024) * 10) / 10} KiB`;
  return `${n} bytes`;
}
