// The rules of the secrets scanner (host/builtin/secrets.ts): token formats that identify a
// credential on their own, plus the ids of the rules implemented in code (PEM blocks, URL
// passwords, assignments). Adding a format is adding an entry here.
import { isPlaceholder } from './secretsHeuristics';

export type SecretSeverity = 'error' | 'warning';

export interface SecretRule {
  id: string;
  /** short human name, used in messages and as SARIF shortDescription */
  title: string;
  severity: SecretSeverity;
}

export interface PatternRule extends SecretRule {
  /** global regex; group 1 is the secret */
  re: RegExp;
  /** the text must contain one of these (case-sensitive) for the regex to run at all */
  prefilter: string[];
  /** how many leading characters the message may show: only a public, format-defining prefix */
  visible: (secret: string) => number;
  valid?: (secret: string) => boolean;
}

// Boundaries are lookarounds on the token alphabet rather than \b, because several alphabets
// include '-' (where \b would cut a token short) and a substring of a longer token is no match.
export const PATTERN_RULES: PatternRule[] = [
  {
    id: 'aws-access-key-id',
    title: 'AWS access key id',
    severity: 'error',
    re: /(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?![A-Za-z0-9])/g,
    prefilter: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
    visible: () => 4,
    valid: (s) => !isPlaceholder(s.slice(4)),
  },
  {
    id: 'github-token',
    title: 'GitHub token',
    severity: 'error',
    re: /(?<![A-Za-z0-9_])((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])/g,
    prefilter: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    visible: (s) => (s.startsWith('github_pat_') ? 11 : 4),
    valid: (s) => !isPlaceholder(s.slice(s.startsWith('github_pat_') ? 11 : 4)),
  },
  {
    id: 'gitlab-token',
    title: 'GitLab token',
    severity: 'error',
    re: /(?<![A-Za-z0-9_-])(gl(?:pat|ptt|rt|dt)-[A-Za-z0-9_-]{20,200})(?![A-Za-z0-9_-])/g,
    prefilter: ['glpat-', 'glptt-', 'glrt-', 'gldt-'],
    visible: (s) => s.indexOf('-') + 1,
    valid: (s) => !isPlaceholder(s.slice(s.indexOf('-') + 1)),
  },
  {
    id: 'slack-token',
    title: 'Slack token',
    severity: 'error',
    re: /(?<![A-Za-z0-9_-])(xox[abprse]-[0-9]{1,20}-[A-Za-z0-9-]{10,200}|xapp-[0-9]-[A-Z0-9]{6,20}-[0-9]{6,20}-[a-f0-9]{20,80})(?![A-Za-z0-9_-])/g,
    prefilter: ['xox', 'xapp-'],
    visible: () => 5,
    valid: (s) => s.length >= 24 && !isPlaceholder(s.slice(5)),
  },
  {
    id: 'slack-webhook',
    title: 'Slack webhook URL',
    severity: 'error',
    re: /(https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_+-]{6,40}\/[A-Za-z0-9_+-]{6,40}(?:\/[A-Za-z0-9_+-]{6,80}){1,2})/g,
    prefilter: ['hooks.slack.com'],
    visible: (s) => s.indexOf('/', s.indexOf('.com/') + 5) + 1,
    valid: (s) => !isPlaceholder(s.slice(s.lastIndexOf('/') + 1)),
  },
  {
    id: 'stripe-secret-key',
    title: 'Stripe live secret key',
    severity: 'error',
    re: /(?<![A-Za-z0-9_])((?:sk|rk)_live_[A-Za-z0-9]{20,247})(?![A-Za-z0-9_])/g,
    prefilter: ['_live_'],
    visible: () => 8,
    valid: (s) => !isPlaceholder(s.slice(8)),
  },
  {
    id: 'google-api-key',
    title: 'Google API key',
    severity: 'warning',
    re: /(?<![A-Za-z0-9_-])(AIza[A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])/g,
    prefilter: ['AIza'],
    visible: () => 4,
    valid: (s) => !isPlaceholder(s.slice(4)),
  },
  {
    id: 'npm-token',
    title: 'npm access token',
    severity: 'error',
    re: /(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])/g,
    prefilter: ['npm_'],
    visible: () => 4,
    valid: (s) => !isPlaceholder(s.slice(4)),
  },
  {
    id: 'openai-api-key',
    title: 'OpenAI API key',
    severity: 'error',
    // "T3BlbkFJ" is base64 for "OpenAI" and sits in the middle of every OpenAI key format.
    re: /(?<![A-Za-z0-9_-])(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,200}T3BlbkFJ[A-Za-z0-9_-]{16,200})(?![A-Za-z0-9_-])/g,
    prefilter: ['T3BlbkFJ'],
    visible: () => 3,
    valid: (s) => !isPlaceholder(s.slice(3)),
  },
  {
    id: 'anthropic-api-key',
    title: 'Anthropic API key',
    severity: 'error',
    re: /(?<![A-Za-z0-9_-])(sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,120})(?![A-Za-z0-9_-])/g,
    prefilter: ['sk-ant-'],
    visible: (s) => s.indexOf('-', 7) + 1,
    valid: (s) => !isPlaceholder(s.slice(s.indexOf('-', 7) + 1)),
  },
  {
    id: 'sendgrid-api-key',
    title: 'SendGrid API key',
    severity: 'error',
    re: /(?<![A-Za-z0-9_-])(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/g,
    prefilter: ['SG.'],
    visible: () => 3,
    valid: (s) => !isPlaceholder(s.slice(3)),
  },
  {
    id: 'jwt',
    title: 'JSON Web Token',
    severity: 'warning',
    re: /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{8,8000}\.[A-Za-z0-9_-]{16,2000})(?![A-Za-z0-9_-])/g,
    prefilter: ['eyJ'],
    visible: () => 3,
    valid: isJwt,
  },
];

export const PRIVATE_KEY: SecretRule = { id: 'private-key', title: 'Private key', severity: 'error' };
export const AWS_SECRET: SecretRule = {
  id: 'aws-secret-access-key',
  title: 'AWS secret access key',
  severity: 'error',
};
export const URL_CREDENTIALS: SecretRule = { id: 'credentials-in-url', title: 'Password in URL', severity: 'warning' };
export const GENERIC: SecretRule = { id: 'generic-secret-assignment', title: 'Hard-coded secret', severity: 'warning' };
// Rules for files whose format says a value is a password (secretsFormats.ts): there, a weak or
// short value is still a real credential, so no entropy threshold applies.
export const PASSWORD_IN_FILE: SecretRule = {
  id: 'password-in-file',
  title: 'Password in a credentials file',
  severity: 'error',
};
export const PASSWORD_ASSIGNMENT: SecretRule = {
  id: 'password-assignment',
  title: 'Password in configuration',
  severity: 'warning',
};
export const CONNECTION_STRING: SecretRule = {
  id: 'connection-string-password',
  title: 'Password in a connection string',
  severity: 'warning',
};
export const FRAMEWORK_KEY: SecretRule = {
  id: 'framework-secret-key',
  title: 'Framework secret key',
  severity: 'error',
};
export const NPM_AUTH: SecretRule = { id: 'npm-auth', title: 'npm registry credential', severity: 'error' };
export const PASSWORD_HASH: SecretRule = { id: 'password-hash', title: 'Password hash', severity: 'warning' };
export const KEY_FILE: SecretRule = { id: 'key-file', title: 'Private key file', severity: 'error' };

/** A redacted form: the public prefix, an ellipsis and the length — never the secret itself. */
export function redact(secret: string, visible: number): string {
  const shown = Math.max(0, Math.min(visible, Math.floor(secret.length / 2)));
  return `${secret.slice(0, shown)}…(${secret.length} chars)`;
}

/** A match before positions are computed: offsets into the scanned text. */
export interface RawHit {
  rule: SecretRule;
  start: number; // offset of the secret in the text
  end: number; // exclusive
  secret: string; // what the fingerprint is computed over
  message: string;
}

/** Every rule the scanner can report, for SARIF `tool.driver.rules`. */
export const RULES: readonly SecretRule[] = [
  ...PATTERN_RULES.map(({ id, title, severity }) => ({ id, title, severity })),
  PRIVATE_KEY,
  AWS_SECRET,
  URL_CREDENTIALS,
  GENERIC,
  PASSWORD_IN_FILE,
  PASSWORD_ASSIGNMENT,
  CONNECTION_STRING,
  FRAMEWORK_KEY,
  NPM_AUTH,
  PASSWORD_HASH,
  KEY_FILE,
];

function isJwt(token: string): boolean {
  // A real JWT's first segment is base64url JSON with an "alg"; random "eyJ..." strings are not.
  // Tokens whose claims are a docs sample (jwt.io's "John Doe", sub "1234567890") are skipped.
  const [header, payload] = token.split('.').map(decodeBase64Url);
  if (!header?.startsWith('{') || !payload?.startsWith('{')) return false; // JSON.parse throws are slow
  try {
    const h: unknown = JSON.parse(header);
    if (typeof h !== 'object' || h === null || !('alg' in h)) return false;
  } catch {
    return false;
  }
  return !/example|dummy|sample|john doe|jane doe|1234567890/i.test(payload);
}

/** base64url → text; the regex already guarantees the alphabet, so only the length can be wrong. */
function decodeBase64Url(s: string): string | undefined {
  if (s.length % 4 === 1) return undefined;
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  return atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
}
