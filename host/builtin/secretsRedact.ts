// Redaction of secrets in what agents print, by the secrets scanner's own rules (secretsRules.ts,
// secrets.ts), before the text reaches any sink: task logs, agent logs, stderr/output tails,
// task details, the host log and what clients are sent. Pure, no I/O.
//
// Cost: it runs on every line an agent prints. Nearly all output holds none of the few strings a
// rule needs (a token prefix such as "ghp_", or a word such as "key" or "secret"), so a block of
// lines is first tested with one regex and passed through untouched; only a line that has one is
// scanned. PEM private keys span lines, so a redactor carries one bit of state between lines.
import { secretRanges } from './secrets';
import { PATTERN_RULES } from './secretsRules';

/** What replaces a secret: the rule, never any character of the secret. */
export const redactedMark = (ruleId: string): string => `[REDACTED ${ruleId}]`;

// Output is read like a .env file: unquoted values after a secret-looking name count.
const OUTPUT_FILE = 'agent-output.env';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** "key" → "[kK][eE][yY]": one regex without the i flag, which token prefixes must not have */
const anyCase = (w: string): string => [...w].map((c) => `[${c.toLowerCase()}${c.toUpperCase()}]`).join('');
// What a line needs before any rule can match in it, in one regex (supersets of the rules):
// a token prefix (case-sensitive, as its rule), a PEM marker, a URL with user:password@, or a
// name holding a secret word followed by an assignment operator (secretsHeuristics.ts'
// ASSIGNMENT_RE: = := => ??= ||= :). "token expired" or "key lookup" do not need a scan.
const TRIGGER_RE = new RegExp(
  [
    ...[...new Set(PATTERN_RULES.flatMap((r) => r.prefilter))].map(escape),
    'PRIVATE KEY',
    String.raw`:\/\/[^\s:@/]*:[^\s:@/]+@`,
    `(?:${['pass', 'pwd', 'secret', 'token', 'key', 'auth', 'credential'].map(anyCase).join('|')})[\\w$.-]*["'\x60]?[ \\t]*[=:?|]`,
  ].join('|'),
);

const TRIGGER_G = new RegExp(TRIGGER_RE.source, 'g');

/** One quick test: can `text` hold anything a rule finds? */
export function mayHoldSecret(text: string): boolean {
  return TRIGGER_RE.test(text);
}

const PEM_BEGIN_RE = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----/;
const PEM_END = '-----END ';
// inside a block: base64 lines, RFC 1421 headers (Proc-Type: 4,ENCRYPTED) and blank lines
const PEM_BODY_RE = /^\s*(?:[A-Za-z0-9+/=]+|[A-Za-z-]+: .*)?\s*$/;
const PEM_MARK = redactedMark('private-key');

/** Redacts line by line, remembering whether a PEM private key block is open. */
export class LineRedactor {
  private inPem = false;

  /** Start inside a key block: a tail that kept a block's body but lost its BEGIN line. */
  openBlock(): void {
    this.inPem = true;
  }

  get open(): boolean {
    return this.inPem;
  }

  /** One line (without its line break). */
  line(l: string): string {
    if (this.inPem) {
      const end = l.indexOf(PEM_END);
      if (end >= 0) {
        this.inPem = false;
        return (end > 0 ? PEM_MARK : '') + this.plain(l.slice(end));
      }
      if (PEM_BODY_RE.test(l)) return l.trim() === '' ? l : PEM_MARK;
      this.inPem = false; // not a key body after all: the block ended without its END line
    }
    return this.plain(l);
  }

  private plain(l: string): string {
    if (!mayHoldSecret(l)) return l;
    const m = PEM_BEGIN_RE.exec(l);
    if (m) {
      const bodyStart = m.index + m[0].length;
      const end = l.indexOf(PEM_END, bodyStart);
      const head = redactRanges(l.slice(0, bodyStart));
      if (end < 0) {
        // the body follows on the next lines (or escaped on this one: "\nMIIE...")
        this.inPem = true;
        return head + (bodyStart < l.length ? PEM_MARK : '');
      }
      return head + (end > bodyStart ? PEM_MARK : '') + this.plain(l.slice(end));
    }
    return redactRanges(l);
  }
}

function redactRanges(text: string): string {
  if (!mayHoldSecret(text)) return text;
  const ranges = secretRanges(text, OUTPUT_FILE).sort((a, b) => a.start - b.start);
  if (ranges.length === 0) return text;
  let out = '';
  let at = 0;
  for (const r of ranges) {
    if (r.end <= at) continue; // inside one already redacted
    out += text.slice(at, Math.max(at, r.start)) + redactedMark(r.ruleId);
    at = r.end;
  }
  return out + text.slice(at);
}

/** A whole text, line by line (a detail, a tail, a log field). */
export function redactSecrets(text: string): string {
  if (!mayHoldSecret(text)) return text;
  const r = new LineRedactor();
  return text
    .split('\n')
    .map((l) => r.line(l))
    .join('\n');
}

/** Lines that belong together (a tail): one redactor across them, so a PEM block is followed. */
export function redactLines(lines: readonly string[]): string[] {
  const r = new LineRedactor();
  return lines.map((l) => r.line(l));
}

/**
 * The last lines of a stream, redacted. A tail may begin inside a key block whose BEGIN line it
 * no longer holds: an END line before any BEGIN means the lines above it are that block's body.
 */
export function redactTail(lines: readonly string[]): string[] {
  const r = new LineRedactor();
  const end = lines.findIndex((l) => l.includes(PEM_END) && l.includes('PRIVATE KEY'));
  if (end >= 0 && !lines.slice(0, end).some((l) => PEM_BEGIN_RE.test(l))) r.openBlock();
  return lines.map((l) => r.line(l));
}

/** A partial line is held back up to this; longer, it is redacted and passed on as it is. */
const MAX_CARRY = 64 * 1024;

/**
 * A byte stream (an agent's stdout or stderr) in, the same bytes out with secrets replaced, in
 * whole lines. Bytes are handled as latin1, one char per byte: every rule is ASCII, and whatever
 * else the agent printed (invalid UTF-8 included) comes out byte for byte.
 */
export class StreamRedactor {
  private carry = '';
  private readonly lines = new LineRedactor();

  /** The complete lines `chunk` finishes, redacted; undefined while a line is still open. */
  push(chunk: Buffer): Buffer | undefined {
    // the common case: whole lines and nothing to redact → the very same buffer, no copy
    if (
      this.carry === '' &&
      !this.lines.open &&
      chunk.length > 0 &&
      chunk[chunk.length - 1] === 0x0a &&
      !mayHoldSecret(chunk.toString('latin1'))
    )
      return chunk;
    const text = this.carry + chunk.toString('latin1');
    const nl = text.lastIndexOf('\n');
    if (nl < 0 && text.length <= MAX_CARRY) {
      this.carry = text;
      return undefined;
    }
    const whole = nl < 0 ? text : text.slice(0, nl + 1);
    this.carry = nl < 0 ? '' : text.slice(nl + 1);
    return Buffer.from(this.redact(whole), 'latin1');
  }

  /** The last, unfinished line, redacted. */
  end(): Buffer | undefined {
    const rest = this.carry;
    this.carry = '';
    return rest ? Buffer.from(this.redact(rest), 'latin1') : undefined;
  }

  /** Only the lines the trigger regex finds (and those of an open PEM block) are looked at. */
  private redact(text: string): string {
    let out = '';
    let at = 0; // always the start of a line
    while (at < text.length) {
      let start = at;
      if (!this.lines.open) {
        TRIGGER_G.lastIndex = at;
        const m = TRIGGER_G.exec(text);
        if (!m) break;
        start = text.lastIndexOf('\n', m.index - 1) + 1;
      }
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl;
      out += text.slice(at, start) + this.lines.line(text.slice(start, end)) + (nl < 0 ? '' : '\n');
      at = nl < 0 ? text.length : nl + 1;
    }
    return at === 0 ? text : out + text.slice(at);
  }
}
