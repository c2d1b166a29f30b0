// Key material without a PEM marker and password hashes: PuTTY .ppk private keys, Rails
// master.key / credentials.key, and crypt(3)-style hashes (bcrypt, sha512/sha256-crypt,
// md5-crypt, Apache apr1, yescrypt). Pure functions, no I/O; binary keystores (.jks, .p12) are
// recognized by their bytes in secretsKeystore.ts.
import { isPlaceholder } from './secretsHeuristics';
import { KEY_FILE, PASSWORD_HASH, PRIVATE_KEY, type RawHit } from './secretsRules';
import { isTestVector } from './secretsStandIns';

const HASH_RE = new RegExp(
  String.raw`(?<![\w$./])(` +
    [
      String.raw`\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}`,
      String.raw`\$[56]\$(?:rounds=\d{1,9}\$)?[./A-Za-z0-9]{1,16}\$(?:[./A-Za-z0-9]{86}|[./A-Za-z0-9]{43})`,
      String.raw`\$(?:1|apr1)\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}`,
      String.raw`\$y\$[./A-Za-z0-9]{1,20}\$[./A-Za-z0-9]{1,86}\$[./A-Za-z0-9]{43}`,
    ].join('|') +
    String.raw`)(?![./A-Za-z0-9])`,
  'g',
);
const HASH_PREFIXES = ['$2a$', '$2b$', '$2y$', '$2x$', '$2$', '$5$', '$6$', '$1$', '$apr1$', '$y$'];
const HASH_NAMES: Record<string, string> = {
  '2': 'bcrypt',
  '5': 'sha256-crypt',
  '6': 'sha512-crypt',
  '1': 'md5-crypt',
  a: 'apr1',
  y: 'yescrypt',
};

/** crypt(3) hashes outside tests: a hash in a repository can be cracked offline. */
export function scanPasswordHashes(text: string, file: string): RawHit[] {
  if (!HASH_PREFIXES.some((p) => text.includes(p))) return [];
  const out: RawHit[] = [];
  HASH_RE.lastIndex = 0;
  for (let m = HASH_RE.exec(text); m; m = HASH_RE.exec(text)) {
    const hash = m[1]!;
    const body = hash.slice(hash.lastIndexOf('$') + 1);
    if (isPlaceholder(body)) continue;
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const lineEnd = text.indexOf('\n', m.index);
    if (isTestVector(file, text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd))) continue;
    const kind = HASH_NAMES[hash[1]!] ?? 'crypt';
    out.push({
      rule: PASSWORD_HASH,
      start: m.index,
      end: m.index + hash.length,
      secret: hash,
      message: `Password hash (${kind}) ${hash.slice(0, hash.indexOf('$', 1) + 1)}…(${hash.length} chars)`,
    });
  }
  return out;
}

/** PuTTY .ppk: one finding on its header when a real Private-Lines body follows. */
export function scanPuttyKeys(text: string): RawHit[] {
  const out: RawHit[] = [];
  const re = /PuTTY-User-Key-File-[23]: ([\w@.-]{1,60})/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const after = text.slice(m.index, m.index + 20_000);
    const body = /Private-Lines: \d{1,4}\r?\n([A-Za-z0-9+/=]{40,})/.exec(after)?.[1];
    if (!body || !/\d/.test(body) || !/[a-z]/.test(body) || !/[A-Z]/.test(body) || isPlaceholder(body)) continue;
    const enc = /Encryption: ([\w-]+)/.exec(after)?.[1] ?? 'none';
    out.push({
      rule: PRIVATE_KEY,
      start: m.index,
      end: m.index + m[0].length,
      secret: body,
      message: `Private key (PuTTY ${m[1]}, ${enc === 'none' ? 'unencrypted' : `encrypted with ${enc}`})`,
    });
  }
  return out;
}

/** Rails' master.key / credentials.key: the whole file is 32 hex digits that decrypt credentials.yml.enc. */
export function scanRailsKey(text: string, file: string): RawHit[] {
  if (!/(?:^|\/)(?:master|credentials)\.key$|(?:^|\/)config\/credentials\/[\w-]+\.key$/.test(file)) return [];
  const m = /^\s*([0-9a-f]{32})\s*$/.exec(text);
  if (!m || isPlaceholder(m[1]!)) return [];
  const start = text.indexOf(m[1]!);
  return [{ rule: KEY_FILE, start, end: start + 32, secret: m[1]!, message: 'Rails master key …(32 chars)' }];
}
