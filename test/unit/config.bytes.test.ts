// The config file's bytes before any parse (host/config/utf8.ts, readConfig.ts): the first byte
// that is not UTF-8 and its line:col, the size cap on a real file, and a directory or FIFO in
// the file's place refused without hanging.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readConfigText } from '../../host/config/readConfig';
import { invalidUtf8At, positionOfByte } from '../../host/config/utf8';

const b = (...xs: Array<string | number[]>): Uint8Array =>
  Buffer.concat(xs.map((x) => (typeof x === 'string' ? Buffer.from(x) : Buffer.from(x))));

describe('invalidUtf8At', () => {
  it('accepts well-formed text of every sequence length', () => {
    assert.equal(invalidUtf8At(b('plain ascii\n', 'é ü € 𝄞 日本')), -1);
  });
  it('finds a stray byte, a lone continuation, overlongs, surrogates, > U+10FFFF and a cut sequence', () => {
    assert.equal(invalidUtf8At(b('ech', [0xff, 0xfe], 'o')), 3);
    assert.equal(invalidUtf8At(b('ab', [0x80])), 2);
    assert.equal(invalidUtf8At(b('a', [0xc0, 0xaf])), 1); // overlong "/"
    assert.equal(invalidUtf8At(b('a', [0xe0, 0x80, 0xaf])), 1); // overlong 3-byte
    assert.equal(invalidUtf8At(b('a', [0xed, 0xa0, 0x80])), 1); // U+D800
    assert.equal(invalidUtf8At(b('a', [0xf4, 0x90, 0x80, 0x80])), 1); // U+110000
    assert.equal(invalidUtf8At(b('€', [0xe2, 0x82])), 3); // cut by the end
    assert.equal(invalidUtf8At(b('a', [0xe2, 0x28, 0xa1])), 1); // bad second byte
  });
});

describe('positionOfByte', () => {
  it('counts lines by LF and columns in UTF-16 units of what precedes it', () => {
    const bytes = b('a: 1\nname: "é𝄞', [0xff]);
    assert.deepEqual(positionOfByte(bytes, bytes.length - 1), { line: 2, column: 11 });
    assert.deepEqual(positionOfByte(b([0xff]), 0), { line: 1, column: 1 });
  });
});

describe('readConfigText', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agbg-cfgbytes-'));
  it('refuses a file over the cap by its size, unread', async () => {
    const f = join(dir, 'big.yaml');
    writeFileSync(f, 'x'.repeat(3 * 1024));
    const r = await readConfigText(f, 2048);
    assert.equal(r.kind, 'refused');
    assert.equal(r.kind === 'refused' && r.issue.message, 'the file is 3 KiB; a configuration may be at most 2 KiB');
    assert.deepEqual(await readConfigText(f, 4096), { kind: 'text', text: 'x'.repeat(3 * 1024) });
  });
  it('refuses invalid UTF-8 at its line and column', async () => {
    const f = join(dir, 'latin1.yaml');
    writeFileSync(f, b('background:\n  x: "caf', [0xe9], '"\n'));
    const r = await readConfigText(f);
    assert.ok(r.kind === 'refused');
    assert.equal(r.issue.line, 2);
    assert.equal(r.issue.column, 10);
    assert.match(r.issue.message, /^invalid UTF-8: byte 0xe9 at offset 21; save the file as UTF-8$/);
  });
  it('a missing file is missing; a FIFO in its place is refused without waiting for a writer', async () => {
    assert.deepEqual(await readConfigText(join(dir, 'none.yaml')), { kind: 'missing' });
    const fifo = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    const r = await readConfigText(fifo);
    assert.ok(r.kind === 'refused');
    assert.match(r.issue.message, /not a regular file/);
  });
});
