// Where a byte string stops being UTF-8, and the line:column of a byte offset. Pure: the config
// reader (readConfig.ts) refuses a file with invalid bytes instead of letting the decoder replace
// them with U+FFFD, which turned an argv "echo" into "ech\uFFFD\uFFFDo" without a word.

/** The offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function invalidUtf8At(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return i; // a continuation byte alone, an overlong lead (C0, C1) or past U+10FFFF (F5..FF)
    // the second byte's range excludes overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4)
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (i + need >= n) return i; // cut short by the end of the file
    const b1 = bytes[i + 1]!;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * The 1-based line and column of byte `offset`, where everything before it is valid UTF-8.
 * Columns count UTF-16 code units, as every other config issue (and VS Code) does.
 */
export function positionOfByte(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const before = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset));
  return { line, column: before.length + 1 };
}
