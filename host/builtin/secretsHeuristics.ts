// Heuristics behind the secrets scanner (host/builtin/secrets.ts): entropy, placeholder detection,
// and the `name = "value"` matcher of the generic-secret-assignment rule. Pure functions, no I/O.
//
// The generic rule is the noisy one in every secret scanner, so each check below errs on the side
// of silence: a clean real-world repository must give zero findings, and a missed weak password
// costs less than a user who learns to ignore the Problems panel.

const asciiCounts = new Uint32Array(128);

/** Shannon entropy in bits per character (0 for ''). Called per candidate, so it avoids allocation. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  let other: Map<number, number> | undefined; // non-ASCII characters are rare in tokens
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) asciiCounts[c]++;
    else (other ??= new Map()).set(c, (other.get(c) ?? 0) + 1);
  }
  let h = 0;
  const add = (n: number): void => {
    const p = n / s.length;
    h -= p * Math.log2(p);
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && asciiCounts[c] > 0) {
      add(asciiCounts[c]);
      asciiCounts[c] = 0; // counted once, and the table is clean for the next call
    }
  }
  other?.forEach(add);
  return h;
}

// Substrings that mark documentation values, templates and stand-ins rather than real secrets.
// Random tokens practically never contain these by chance (a 4-letter word in 36 random chars of a
// 62-letter alphabet: ~1e-5), so the check is safe for the format rules too.
const PLACEHOLDER_WORDS = [
  'example',
  'xxxx',
  'changeme',
  'change_me',
  'change-me',
  'placeholder',
  'dummy',
  'sample',
  'redacted',
  'insert',
  'replace',
  'lorem',
  'your_',
  'your-',
  'yourtoken',
  'yourkey',
  'yoursecret',
  '****',
  '...',
  '…',
  '<',
  '>',
  '${',
  '{{',
  '}}',
  '%(',
  'todo',
  'fixme',
];
// Only for the generic rule: values spelled with these words are stand-ins ("test-token-123",
// "my-secret-value", "password123"), and weak real ones are not what this rule is for.
const GENERIC_PLACEHOLDER_WORDS = [
  'test',
  'fake',
  'mock',
  'password',
  'passwd',
  'secret',
  'token',
  'default',
  'local',
  'demo',
  'foobar',
  'undefined',
  'null',
  'none',
  'true',
  'false',
  'sandbox',
  'qwerty',
];

/**
 * A run of consecutive ascending characters ("12345", "abcd") marks a hand-typed stand-in. The
 * generic rule uses runs of 4 (it may miss a few hex secrets, by design); format rules use 5.
 */
function hasSequentialRun(s: string, min: number): boolean {
  let run = 1;
  for (let i = 1; i < s.length; i++) {
    run = s.charCodeAt(i) === s.charCodeAt(i - 1) + 1 ? run + 1 : 1;
    if (run >= min) return true;
  }
  return false;
}

/** True when `value` spells a placeholder word (with `generic`: also "test", "password", ...). */
export function hasPlaceholderWord(value: string, generic = false): boolean {
  const lower = value.toLowerCase();
  return (
    PLACEHOLDER_WORDS.some((w) => lower.includes(w)) ||
    (generic && GENERIC_PLACEHOLDER_WORDS.some((w) => lower.includes(w)))
  );
}

/** True when a token-shaped value is a documentation example or stand-in, not a credential. */
export function isPlaceholder(value: string, generic = false): boolean {
  if (hasPlaceholderWord(value, generic)) return true;
  if (hasSequentialRun(value, generic ? 4 : 5)) return true;
  // "0000000000000000", "abababab": too few distinct characters to be random.
  return shannonEntropy(value) < 2.5;
}

// ---------------------------------------------------------------------------------------------
// Names: does `name` in `name = value` hold a secret?

/** Words that make a name secret-bearing wherever they appear in it. */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'pass',
  'pwd',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'secretkey',
  'authkey',
  'credential',
  'credentials',
]);
/** `<word> key` pairs that are secret: api_key, accessKey, SIGNING_KEY, ... */
const KEY_QUALIFIERS = new Set([
  'api',
  'access',
  'private',
  'auth',
  'signing',
  'encryption',
  'master',
  'client',
  'app',
  'secret',
]);
/** A name ending in one of these words describes a secret (its name, path, length...), it isn't one. */
const DESCRIPTOR_WORDS = new Set([
  'name',
  'names',
  'id',
  'ids',
  'path',
  'paths',
  'file',
  'filename',
  'files',
  'dir',
  'url',
  'uri',
  'urls',
  'type',
  'types',
  'kind',
  'format',
  'length',
  'len',
  'min',
  'max',
  'count',
  'size',
  'limit',
  'field',
  'fields',
  'label',
  'hint',
  'prompt',
  'placeholder',
  'message',
  'msg',
  'text',
  'description',
  'desc',
  'title',
  'error',
  'errors',
  'header',
  'headers',
  'prefix',
  'suffix',
  'endpoint',
  'policy',
  'regex',
  'pattern',
  'rule',
  'rules',
  'schema',
  'validator',
  'version',
  'env',
  'var',
  'variable',
  'ref',
  'arn',
  'hash',
  'hashed',
  'digest',
  'checksum',
  'ttl',
  'timeout',
  'expiry',
  'expires',
  'expiration',
  'lifetime',
  'enabled',
  'required',
  'visible',
  'hidden',
  'mode',
  'method',
  'provider',
  'manager',
  'service',
  'store',
  'storage',
  'class',
  'index',
  'column',
  'location',
  'region',
  'host',
  'port',
  'user',
  'username',
  'confirm',
  'confirmation',
  'reset',
  'strength',
  'rotation',
  'event',
  'action',
  'route',
  'icon',
  'style',
  'options',
  'config',
  'settings',
  'callback',
  'handler',
  'fn',
  'input',
  'selector',
  'source',
  'used',
  'at',
  'date',
  'time',
  'created',
  'updated',
  'changed',
  'modified',
  'age',
]);
/** `<word> token` pairs that name paging, idempotency or form tokens: identifiers, not credentials. */
const NON_SECRET_TOKEN_QUALIFIERS = new Set([
  'next',
  'prev',
  'previous',
  'page',
  'pagination',
  'continuation',
  'continue',
  'resume',
  'cursor',
  'marker',
  'sync',
  'change',
  'idempotency',
  'request',
  'purchase',
  'lifecycle',
  'action',
  'output',
  'input',
  'start',
  'end',
  'cancel',
  'csrf',
  'xsrf',
  'nonce',
  'update',
]);
/** Names containing these words are explicitly public. */
const PUBLIC_WORDS = new Set(['public', 'publishable', 'pub']);

/** Splits `clientSecret`, `CLIENT_SECRET`, `client-secret`, `db.password` into lowercase words. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** True when a variable / key name says its value is a secret. */
export function isSecretName(name: string): boolean {
  const words = nameWords(name);
  if (words.length === 0) return false;
  const last = words[words.length - 1];
  if (DESCRIPTOR_WORDS.has(last) || words.some((w) => PUBLIC_WORDS.has(w))) return false;
  if (last === 'token' && words.length > 1 && NON_SECRET_TOKEN_QUALIFIERS.has(words[words.length - 2])) return false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (SECRET_WORDS.has(w)) return true;
    // one-word spellings: ACCESSTOKEN, xsrftoken, dbpassword
    if (/(?:password|passwd|secret|token|apikey|accesskey|privatekey|authkey)$/.test(w) && w.length <= 24) return true;
    if (w === 'key' && i > 0 && KEY_QUALIFIERS.has(words[i - 1])) return true;
  }
  // `auth` alone only as the last word (basic_auth, _auth in .npmrc): `author`, `authority` differ.
  return last === 'auth';
}

/** True when an AWS secret access key is what the name says (aws_secret_access_key, awsSecretKey). */
export function isAwsSecretName(name: string): boolean {
  const words = nameWords(name);
  return words.some((w) => w.startsWith('aws')) && words.some((w) => w.includes('secret'));
}

// ---------------------------------------------------------------------------------------------
// Values: is the assigned value plausibly a real credential?

/** Looks like identifiers / words joined by separators: "access_token", "authTokenKey", "v2.api". */
function isWordLike(value: string): boolean {
  return value
    .split(/[^A-Za-z0-9]+/)
    .every((seg) => seg === '' || /^(?:[A-Za-z]+|\d+|[A-Za-z]+\d{1,3}|\d{1,3}[A-Za-z]+)$/.test(seg));
}

/** "bm90IG15IHJlYWwgcGFzc3dvcmQ=" is "not my real password": stand-ins hide inside base64 too. */
function isEncodedPlaceholder(value: string): boolean {
  if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  try {
    const decoded = atob(value);
    return /^[\x20-\x7e]+$/.test(decoded) && isPlaceholder(decoded, true);
  } catch {
    return false;
  }
}

/** Values that reference a secret kept elsewhere instead of containing one. */
const REFERENCE_RE =
  /^(?:\$|%[A-Za-z_]|!|&|\*|@|#|env:|vault:|arn:|ssm:|secretsmanager:|keyring:|file:|ENC\[|process\.env|os\.environ|os\.getenv|getenv|System\.getenv|ENV\[)/;
const PATH_RE =
  /^(?:\/|\.{1,2}\/|~\/|[A-Za-z]:[\\/]|\\\\)|\.(?:pem|key|crt|cer|p12|pfx|jks|json|ya?ml|txt|env|conf|ini)$/i;

/**
 * True when `value` (already unquoted) is a plausible hard-coded secret: long enough, random
 * enough, and not a placeholder, a reference, a path, a URL, a number or an identifier.
 */
export function isLikelySecretValue(value: string): boolean {
  if (value.length < 12 || value.length > 400) return false;
  if (/\s/.test(value)) return false; // prose and "Bearer ${x}"-style strings
  if (isPlaceholder(value, true)) return false;
  if (REFERENCE_RE.test(value) || PATH_RE.test(value)) return false;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) return false; // URLs: credentials-in-url's job
  if (/^[\d.:_-]+$/.test(value)) return false; // numbers, versions, dates, timestamps
  if (/^\d{4}-\d\d-\d\d[T ]/.test(value)) return false; // ISO timestamps: PasswordLastUsed
  // UUIDs are request ids and idempotency tokens far more often than credentials.
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return false;
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(value)) return false; // an env var's NAME: TOKEN: GITHUB_TOKEN
  if (/[(){}\[\]]/.test(value) && /^[\w.$]+\(/.test(value)) return false; // a call: getPassword()
  if (value.startsWith('^') || value.includes('(?')) return false; // a regex
  if (isWordLike(value) || isEncodedPlaceholder(value)) return false;
  const hasLetter = /[A-Za-z]/.test(value);
  const hasDigit = /\d/.test(value);
  const hasSymbol = /[^A-Za-z0-9]/.test(value);
  const mixedCase = /[a-z]/.test(value) && /[A-Z]/.test(value);
  if (!hasLetter) return false;
  if (!hasDigit && !(mixedCase && hasSymbol)) return false;
  // Bits per character: a 12-char string tops out at 3.58, so short values need ~10 distinct chars.
  return shannonEntropy(value) >= (value.length < 16 ? 3.1 : 3.3);
}

// ---------------------------------------------------------------------------------------------
// The assignment matcher.

/** Extensions where an unquoted right-hand side is code (an identifier, a call) or prose, not a value. */
const CODE_EXTENSIONS = new Set([
  'ts',
  'tsx',
  'mts',
  'cts',
  'js',
  'jsx',
  'mjs',
  'cjs',
  'py',
  'pyi',
  'rb',
  'go',
  'java',
  'kt',
  'kts',
  'scala',
  'groovy',
  'cs',
  'fs',
  'c',
  'cc',
  'cpp',
  'cxx',
  'h',
  'hh',
  'hpp',
  'rs',
  'swift',
  'php',
  'm',
  'mm',
  'dart',
  'lua',
  'ex',
  'exs',
  'erl',
  'clj',
  'vue',
  'svelte',
  'astro',
  'r',
  'jl',
  'pl',
  'pm',
  'md',
  'markdown',
  'rst',
  'txt',
  'html',
  'htm',
  'xml',
  'json',
  'jsonc',
  'json5',
  'csv',
  'tf',
  'hcl',
  'sql',
  'css',
  'scss',
  'less',
  'svg',
  'lock',
  'log',
]);

/** Config-ish files (.env, YAML, INI, shell, extension-less) may hold a secret without quotes. */
export function allowsUnquotedValues(file: string): boolean {
  const base = file.slice(file.lastIndexOf('/') + 1).toLowerCase();
  if (base.startsWith('.env') || base.endsWith('.env')) return true;
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return true; // Dockerfile, credentials, .npmrc
  return !CODE_EXTENSIONS.has(base.slice(dot + 1));
}

// name (optionally quoted) · optional type annotation (`password: str =`) · operator · value.
// Operators exclude comparisons (==, !=, <=) and Rust/C++ paths (::). Sticky: it is tried only at
// the start of a name that contains a keyword, so its cost does not grow with the line length.
// Every repetition is bounded and the alternatives are disjoint, so no backtracking blow-up; no
// part matches a line break, so a match never spans lines.
const ASSIGNMENT_RE = new RegExp(
  String.raw`(?<![\w$.-])(["'\x60]?)([A-Za-z_$][\w$.-]{0,80})\1[ \t]*` +
    String.raw`(?::[ \t]*[A-Za-z_][\w.]{0,40}(?:\[\])?[ \t]*(?==[^=>]))?` +
    String.raw`(?:(?<![!<>=])=(?![=>~])|:=|=>|\?\?=|\|\|=|:(?![:=]))[ \t]*` +
    String.raw`(?:"((?:[^"\\\r\n]|\\.){0,400})"|'((?:[^'\\\r\n]|\\.){0,400})'|\x60([^\x60\\\r\n$]{0,400})\x60|([^\s'"\x60#;,]{1,400}))`,
  'dy',
);

export interface AssignmentCandidate {
  name: string;
  /** offset just past the name (its closing quote excluded) */
  nameEnd: number;
  value: string;
  /** offsets of the value in the text: [start, end) */
  start: number;
  end: number;
  quoted: boolean;
}

/** The `name = value` assignment starting exactly at `at` (the name or its opening quote), if any. */
export function assignmentAt(text: string, at: number): AssignmentCandidate | undefined {
  ASSIGNMENT_RE.lastIndex = at;
  const m = ASSIGNMENT_RE.exec(text);
  if (!m) return undefined;
  const indices = m.indices!;
  for (let g = 3; g <= 6; g++) {
    const span = indices[g];
    if (span && m[g] !== undefined) {
      return { name: m[2], nameEnd: indices[2]![1], value: m[g], start: span[0], end: span[1], quoted: g !== 6 };
    }
  }
  return undefined;
}

const isNameChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c === 46 || c === 45;

/**
 * Where the name around offset `k` starts (its opening quote included), or -1 when the name is
 * longer than any name the matcher accepts.
 */
export function nameStartAround(text: string, k: number): number {
  let s = k;
  while (s > 0 && isNameChar(text.charCodeAt(s - 1))) {
    if (k - s >= 81) return -1;
    s--;
  }
  const q = text.charCodeAt(s - 1);
  return s > 0 && (q === 34 || q === 39 || q === 96) ? s - 1 : s;
}
