// How big one submitted task may be, checked when it is submitted (host/submitCheck.ts) and by
// the CLI before it sends anything. Every task is journaled, kept in memory and handed to an agent
// process: a limit here keeps one careless submit from bloating all three, and the error names
// the item's field and the limit instead of failing later at spawn.
// Pure, no Node built-ins: the CLI and the host share it.
import type { SubmitItem } from './protocol';

export const SUBMIT_LIMITS = {
  /** files in one task: a Save All of a large repository is a few thousand */
  maxFiles: 10_000,
  /** bytes of one file name (Linux's PATH_MAX) */
  maxFileBytes: 4096,
  /** bytes of all file names of one task together */
  maxFilesBytes: 2 * 1024 * 1024,
  /** bytes of the task's params as JSON */
  maxParamsBytes: 64 * 1024,
} as const;

const utf8Bytes = (s: string): number => {
  // TextEncoder would allocate; counting code units by range is enough for a limit check
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
};

const kib = (n: number): string =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;

/** Why an item cannot be accepted as it is (its shape and sizes), or undefined. */
export function checkSubmitItem(item: SubmitItem, limits = SUBMIT_LIMITS): string | undefined {
  if (item.files !== undefined) {
    if (!Array.isArray(item.files)) return 'files must be an array of strings';
    if (item.files.length > limits.maxFiles)
      return `files: ${item.files.length} files in one task, more than the limit of ${limits.maxFiles}; split the task`;
    let total = 0;
    for (let i = 0; i < item.files.length; i++) {
      const f = item.files[i];
      if (typeof f !== 'string' || f === '') return `files[${i}] must be a non-empty string`;
      if (f.includes('\0')) return `files[${i}] contains a NUL character`;
      const b = utf8Bytes(f);
      if (b > limits.maxFileBytes)
        return `files[${i}] is a name of ${b} bytes, more than the limit of ${limits.maxFileBytes}`;
      total += b;
    }
    if (total > limits.maxFilesBytes)
      return `files: the names add up to ${kib(total)}, more than the limit of ${kib(limits.maxFilesBytes)}; split the task`;
  }
  if (item.params !== undefined) {
    if (item.params === null || typeof item.params !== 'object' || Array.isArray(item.params))
      return 'params must be a JSON object';
    let json: string;
    try {
      json = JSON.stringify(item.params);
    } catch (err) {
      return `params cannot be serialized: ${(err as Error).message}`;
    }
    const b = utf8Bytes(json);
    if (b > limits.maxParamsBytes)
      return `params: ${kib(b)} as JSON, more than the limit of ${kib(limits.maxParamsBytes)}; pass large inputs as a file`;
  }
  return undefined;
}
