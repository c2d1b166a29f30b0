// The built-in secrets scanner behind the `secrets` builtin (AgenticScrum's security audit agent,
// "saa"). Pure functions, no I/O: secretsAgent.ts reads the files and writes SARIF.
//
// Two kinds of rules: token formats that are unambiguous on their own (AKIA..., ghp_..., PEM
// private key blocks), and one heuristic rule for high-entropy values assigned to secret-looking
// names (secretsHeuristics.ts). A secret never leaves this module in clear: messages carry a
// redacted form and the fingerprint is a hash.
import {
  allowsUnquotedValues,
  hasPlaceholderWord,
  assignmentAt,
  isAwsSecretName,
  isLikelySecretValue,
  isPlaceholder,
  isSecretName,
  nameStartAround,
  shannonEntropy,
} from './secretsHeuristics';
import {
  AWS_SECRET,
  GENERIC,
  PASSWORD_ASSIGNMENT,
  PATTERN_RULES,
  PRIVATE_KEY,
  redact,
  URL_CREDENTIALS,
  type RawHit,
  type SecretRule,
  type SecretSeverity,
} from './secretsRules';
import { scanFormats } from './secretsFormats';
import { isStandInPassword } from './secretsStandIns';
import { scanPasswordHashes, scanPuttyKeys, scanRailsKey } from './secretsKeys';

export { shannonEntropy } from './secretsHeuristics';
export { redact } from './secretsRules';
export { RULES, type SecretRule, type SecretSeverity } from './secretsRules';

/**
 * One finding. Lines and columns are 1-based and count UTF-16 code units (SARIF's default
 * `utf16CodeUnits`, and VS Code's). `endColumn` is EXCLUSIVE — the column just after the last
 * character of the secret — as in SARIF regions and VS Code ranges.
 */
export interface SecretHit {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  ruleId: string;
  severity: SecretSeverity;
  message: string;
  /** FNV-1a 64 (16 hex digits) of ruleId, file and the secret: stable across line moves. */
  fingerprint: string;
}

/** Markers that silence every finding on their line (ours, gitleaks', detect-secrets'). */
export const SUPPRESSION_MARKERS = ['agentic-bg:ignore', 'gitleaks:allow', 'pragma: allowlist secret'];
/** A comment line with this marker silences the line after it (for PEM blocks, YAML, JSON-less spots). */
export const SUPPRESS_NEXT_LINE = 'agentic-bg:ignore-next-line';

/**
 * FNV-1a 64-bit over the UTF-8 bytes of `s`, as 16 hex digits. Not cryptographic: an identity.
 * Computed on two 32-bit halves (no BigInt), since it runs once per finding.
 */
export function fnv1a64(s: string): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const b of new TextEncoder().encode(s)) {
    lo ^= b;
    // h * 0x100000001b3 = h * 0x1b3 + (h << 40); only lo << 8 reaches the high half from h << 40.
    const loMul = (lo >>> 0) * 0x1b3;
    hi = (hi * 0x1b3 + ((lo << 8) >>> 0) + Math.floor(loMul / 0x100000000)) >>> 0;
    lo = loMul >>> 0;
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

class LineIndex {
  private readonly starts: number[] = [0];
  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  /** 0-based line of an offset (binary search). */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  start(line: number): number {
    return this.starts[line];
  }
  /** the text of a 0-based line, without its line break */
  text0(line: number): string {
    if (line < 0 || line >= this.starts.length) return '';
    const end = line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this.text.length;
    const s = this.text.slice(this.starts[line], end);
    return s.endsWith('\r') ? s.slice(0, -1) : s;
  }
}

/**
 * Where the secrets in `text` are, by the same rules as scanText but for redaction: no suppression
 * markers (a marker in an agent's output must not leak a key), and private keys left out (a PEM
 * block spans lines; secretsRedact.ts blanks its body itself). Offsets into `text`, end exclusive.
 */
export function secretRanges(text: string, file: string): Array<{ start: number; end: number; ruleId: string }> {
  return rawHits(text, file)
    .filter((h) => h.rule !== PRIVATE_KEY)
    .map((h) => ({ start: h.start, end: h.end, ruleId: h.rule.id }));
}

function rawHits(text: string, file: string): RawHit[] {
  const raw: RawHit[] = [];
  for (const rule of PATTERN_RULES) {
    if (!rule.prefilter.some((p) => text.includes(p))) continue;
    rule.re.lastIndex = 0;
    for (let m = rule.re.exec(text); m; m = rule.re.exec(text)) {
      const secret = m[1];
      if (rule.valid && !rule.valid(secret)) continue;
      const start = m.index + m[0].indexOf(secret);
      raw.push({
        rule,
        start,
        end: start + secret.length,
        secret,
        message: `${rule.title} ${redact(secret, rule.visible(secret))}`,
      });
    }
  }
  if (text.includes('PRIVATE KEY')) raw.push(...scanPrivateKeys(text));
  if (text.includes('://')) raw.push(...scanUrlCredentials(text, raw));
  if (text.includes('PuTTY-User-Key-File-')) raw.push(...scanPuttyKeys(text));
  // A strong password under a secret name stays the generic rule's (as it always was); the
  // relaxed password-assignment rule adds the weak ones the generic rule lets through.
  const formats = scanFormats(text, file);
  const later = formats.filter((h) => h.rule === PASSWORD_ASSIGNMENT);
  for (const h of [...formats, ...scanPasswordHashes(text, file), ...scanRailsKey(text, file)]) {
    if (h.rule !== PASSWORD_ASSIGNMENT && !overlaps(raw, h.start, h.end)) raw.push(h);
  }
  raw.push(...scanAssignments(text, file, raw));
  for (const h of later) if (!overlaps(raw, h.start, h.end)) raw.push(h);
  return raw;
}

/** Scans one file's text. `file` is the workspace-relative path (it picks heuristics and enters the fingerprint). */
export function scanText(text: string, file: string): SecretHit[] {
  // Editors do not count a BOM as a column, so neither do we.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const raw = rawHits(text, file);
  const lines = new LineIndex(text);

  raw.sort((a, b) => a.start - b.start);
  const seen = new Map<string, number>();
  const hits: SecretHit[] = [];
  for (const h of raw) {
    const line = lines.lineOf(h.start);
    if (isSuppressed(lines, line)) continue;
    const endLine = lines.lineOf(Math.max(h.start, h.end - 1));
    // Identical secrets in one file get distinct fingerprints by occurrence number.
    const key = `${h.rule.id}\0${h.secret}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    hits.push({
      file,
      line: line + 1,
      column: h.start - lines.start(line) + 1,
      endLine: endLine + 1,
      endColumn: h.end - lines.start(endLine) + 1,
      ruleId: h.rule.id,
      severity: h.rule.severity,
      message: h.message,
      fingerprint: fnv1a64(`${h.rule.id}\0${file}\0${h.secret}${n > 0 ? `\0${n}` : ''}`),
    });
  }
  return hits;
}

function isSuppressed(lines: LineIndex, line: number): boolean {
  const here = lines.text0(line);
  return SUPPRESSION_MARKERS.some((m) => here.includes(m)) || lines.text0(line - 1).includes(SUPPRESS_NEXT_LINE);
}

const overlaps = (hits: RawHit[], start: number, end: number): boolean =>
  hits.some((h) => h.start < end && start < h.end);

const PEM_BEGIN_RE = /-----BEGIN ((?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----/g;

/**
 * One finding per PEM private key block, on its BEGIN marker. A marker alone (in a PEM parser,
 * a docs snippet "MIIE...") is not a key: the block needs a real base64 body right after it,
 * whether on the next lines or JSON-escaped ("\n") on the same one.
 */
function scanPrivateKeys(text: string): RawHit[] {
  const out: RawHit[] = [];
  let endAt = -2; // next "-----END " at or after the current body; -2: not searched yet
  PEM_BEGIN_RE.lastIndex = 0;
  for (let m = PEM_BEGIN_RE.exec(text); m; m = PEM_BEGIN_RE.exec(text)) {
    const bodyStart = m.index + m[0].length;
    // searched again only once passed, so many BEGINs without an END stay linear
    if (endAt === -2 || (endAt !== -1 && endAt < bodyStart)) endAt = text.indexOf('-----END ', bodyStart);
    const bodyEnd = endAt !== -1 && endAt - bodyStart < 200_000 ? endAt : -1;
    const head = text
      .slice(bodyStart, Math.min(bodyStart + 600, bodyEnd === -1 ? Infinity : bodyEnd))
      .replace(/\\[nr]/g, '\n');
    const run = /[A-Za-z0-9+/=]{40,}/.exec(head)?.[0];
    if (!run || !/\d/.test(run) || !/[a-z]/.test(run) || !/[A-Z]/.test(run)) continue;
    if (/example|\.\.\.|…|xxxx/i.test(head)) continue; // a shortened docs sample, not a key
    const body = bodyEnd !== -1 ? text.slice(bodyStart, bodyEnd) : run;
    const kind = (m[1] ?? '').trim();
    const label = kind === 'ENCRYPTED' ? 'encrypted PKCS#8' : kind || 'PKCS#8';
    out.push({
      rule: PRIVATE_KEY,
      start: m.index,
      end: bodyStart,
      // whitespace and escapes removed, so CRLF / LF / JSON-escaped copies share a fingerprint
      secret: body.replace(/\\[nr]|[^A-Za-z0-9+/=]/g, ''),
      message: `Private key (${label}) in a PEM block`,
    });
  }
  return out;
}

// scheme://user:password@host — user and password exclude the separators that delimit them, so
// there is exactly one way to match and no backtracking blow-up.
const URL_CRED_RE =
  /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{1,20}):\/\/([^\s:@/'"`<>]{0,100}):([^\s:@/'"`<>]{1,200})@([A-Za-z0-9.-]{1,253})/g;

function scanUrlCredentials(text: string, already: RawHit[]): RawHit[] {
  const out: RawHit[] = [];
  URL_CRED_RE.lastIndex = 0;
  for (let m = URL_CRED_RE.exec(text); m; m = URL_CRED_RE.exec(text)) {
    const [, scheme, user, password, host] = m;
    const start = m.index + scheme.length + 3 + user.length + 1;
    const end = start + password.length;
    if (overlaps(already, start, end) || !isUrlPassword(password, user, host)) continue;
    out.push({
      rule: URL_CREDENTIALS,
      start,
      end,
      secret: password,
      message: `Password in a ${scheme}:// URL ${redact(password, 0)}`,
    });
  }
  return out;
}

/**
 * A password, however weak, that is not a template, a stand-in ("pass", "<password>", "secret"),
 * the user name again (postgres:postgres, guest:guest: the well-known defaults), anonymous access
 * (whose "password" is an e-mail address or anything) or on a docs host.
 */
function isUrlPassword(password: string, user: string, host: string): boolean {
  if (password === user || user === 'anonymous' || /^[$%{<*]/.test(password) || isStandInPassword(password))
    return false;
  return !hasPlaceholderWord(password, true) && !/example|^host(?:name)?$|^domain$/i.test(host);
}

// Names worth trying the assignment matcher on mention one of these (cheap to find in bulk).
const KEYWORD_RE = /pass|pwd|secret|token|key|auth|credential/gi;

function scanAssignments(text: string, file: string, already: RawHit[]): RawHit[] {
  const out: RawHit[] = [];
  const unquotedOk = allowsUnquotedValues(file);
  let lastStart = -1;
  KEYWORD_RE.lastIndex = 0;
  for (let m = KEYWORD_RE.exec(text); m; m = KEYWORD_RE.exec(text)) {
    const at = nameStartAround(text, m.index);
    if (at < 0 || at === lastStart) continue;
    lastStart = at;
    const c = assignmentAt(text, at);
    if (!c || c.nameEnd <= m.index) continue;
    KEYWORD_RE.lastIndex = Math.max(KEYWORD_RE.lastIndex, c.end); // other keywords in this name/value: done
    if ((!c.quoted && !unquotedOk) || !isSecretName(c.name) || overlaps(already, c.start, c.end)) continue;
    let rule: SecretRule | undefined;
    if (
      isAwsSecretName(c.name) &&
      /^[A-Za-z0-9/+]{40}$/.test(c.value) &&
      !isPlaceholder(c.value) &&
      shannonEntropy(c.value) >= 3.5
    ) {
      rule = AWS_SECRET;
    } else if (isLikelySecretValue(c.value)) {
      rule = GENERIC;
    }
    if (!rule) continue;
    const message =
      rule === AWS_SECRET
        ? `${rule.title} in "${c.name}" ${redact(c.value, 0)}`
        : `Possible hard-coded secret in "${c.name}": ${redact(c.value, Math.min(4, Math.floor(c.value.length / 8)))}`;
    out.push({ rule, start: c.start, end: c.end, secret: c.value, message });
  }
  return out;
}
