// Stand-ins for passwords in files whose format says "this is a password" (.netrc, .pgpass,
// my.cnf, .env, docker-compose, connection strings...). There a weak or short value is a real
// credential, so the entropy tests of the generic rule do not apply; what must be told apart is a
// value that only fills the slot: a template, a reference, the slot's own name, a docs example.
// Pure functions, no I/O.
import { isSecretName, nameWords, shannonEntropy } from './secretsHeuristics';

/** Values that name the slot instead of filling it ("password", "your_password", "xxx"). */
const SLOT_NAME_RE =
  /^(?:(?:your|my|the|some|new|user|db|database|admin|root|app|service|account)[ _-]?)?(?:password|passwd|pass|pwd|pw|passphrase|secret|token|key|apikey|api[_-]key)s?(?:[ _-]?here)?$/;
const NOT_A_PASSWORD = new Set([
  'none',
  'null',
  'nil',
  'empty',
  'undefined',
  'string',
  'value',
  'required',
  'optional',
  'foo',
  'bar',
  'foobar',
  'yes',
  'no',
  'true',
  'false',
  'on',
  'off',
  'prompt',
  'ask',
  'hidden',
  'masked',
]);

/**
 * True when `value` (unquoted) holds no password: empty or tiny, a reference to one kept
 * elsewhere (`$DB_PASSWORD`, `${...}`, `%PASSWORD%`, `{{ ... }}`, `#{...}`), a placeholder word,
 * the slot's own name, or one character repeated ("********").
 */
export function isStandInPassword(value: string): boolean {
  const v = value.trim();
  if (v.length < 3) return true;
  if (/^[$%@!*&]|\$\{|\{\{|\}\}|%\(|#\{|[<>]|\bhere\b|_here\b|unique phrase|\\\$/.test(v)) return true;
  const lower = v.toLowerCase();
  if (NOT_A_PASSWORD.has(lower) || SLOT_NAME_RE.test(lower)) return true;
  // the words every scanner treats as documentation; not isPlaceholder(): its entropy and
  // "12345" tests would call real weak passwords stand-ins
  if (/example|xxx|changeme|change_me|change-me|placeholder|dummy|redacted|\.\.\.|…|lorem/i.test(v)) return true;
  return shannonEntropy(v) < 1; // one character repeated
}

/** Password words: the relaxed rules are for passwords only (tokens and keys have formats). */
const PASSWORD_WORD_RE = /^(?:pass|pwd|passphrase|passwort|pw)$|(?:password|passwd)$/;
/** Names that hold a flag or policy about a password, not one: MYSQL_ALLOW_EMPTY_PASSWORD. */
const FLAG_WORDS = new Set(['allow', 'empty', 'random', 'generate', 'skip', 'require', 'no', 'disable', 'reset']);

/** True when `name` says its value is a password: DB_PASSWORD, POSTGRES_PASSWORD, smtpPass. */
export function isPasswordName(name: string): boolean {
  const words = nameWords(name);
  if (!words.some((w) => PASSWORD_WORD_RE.test(w)) || words.some((w) => FLAG_WORDS.has(w))) return false;
  return isSecretName(name);
}

/** Directories and file names of tests: a password hash there is a test vector, not a leak. */
const TEST_PATH_RE =
  /(?:^|\/)(?:tests?|specs?|__tests__|__fixtures__|testdata|test-data|fixtures?|vectors?|examples?|docs?)\/|(?:[._-](?:test|spec)\.[A-Za-z]+|_test\.go)$|(?:^|\/)test_[\w-]*\.py$/;
/** Code on the line that checks a value rather than storing one: assertions, comparisons. */
const TEST_LINE_RE =
  /\b(?:assert\w*|expect|equals?|strictEqual|deepEqual|toBe|toEqual|compare\w*|verify|should|check\w*)\b/i;

/** True when a value at `line` of `file` is a test vector (path of a test, or an assertion). */
export function isTestVector(file: string, line: string): boolean {
  return TEST_PATH_RE.test(file) || TEST_LINE_RE.test(line);
}
