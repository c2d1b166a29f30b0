// Passwords in files whose format says they are passwords: .netrc, .pgpass, my.cnf, .env,
// docker-compose, wp-config.php and other PHP `define`s, Docker and npm auth files, XML configs
// (FileZilla, JetBrains, Maven, Tomcat, Spring), browser logins.json, JDBC/ODBC connection
// strings, and the secret keys of web frameworks (Django, Flask, Rails, WordPress salts).
// Pure functions, no I/O: secrets.ts calls scanFormats() on each file's text.
//
// Each scanner is chosen by the file's name or gated by a substring, so a file that is none of
// these costs a few `includes` calls.
import { isLikelySecretValue, isPlaceholder, shannonEntropy } from './secretsHeuristics';
import {
  CONNECTION_STRING,
  FRAMEWORK_KEY,
  NPM_AUTH,
  PASSWORD_ASSIGNMENT,
  PASSWORD_HASH,
  PASSWORD_IN_FILE,
  redact,
  type RawHit,
  type SecretRule,
} from './secretsRules';
import { isPasswordName, isStandInPassword } from './secretsStandIns';

type Push = (rule: SecretRule, start: number, secret: string, what: string) => void;

/** The base name, lowercased. */
const baseOf = (file: string): string => file.slice(file.lastIndexOf('/') + 1).toLowerCase();

/** .env files, but not the templates that document them (.env.example, .env.sample, ...). */
function isDotEnv(base: string): boolean {
  if (!(base.startsWith('.env') || base.endsWith('.env'))) return false;
  return !/(?:^|[.-])(?:example|sample|template|tpl|dist|defaults?|schema|tmpl|skel)(?:[.-]|$)/.test(base);
}

/** All findings of this module in `text`; `file` (workspace-relative) picks the scanners. */
export function scanFormats(text: string, file: string): RawHit[] {
  const out: RawHit[] = [];
  const push: Push = (rule, start, secret, what) => {
    if (out.some((h) => h.start < start + secret.length && start < h.end)) return;
    out.push({ rule, start, end: start + secret.length, secret, message: `${what} ${redact(secret, 0)}` });
  };
  const base = baseOf(file);
  const ext = base.slice(base.lastIndexOf('.') + 1);
  if (base === '.netrc' || base === '_netrc' || base === 'netrc') scanNetrc(text, push);
  else if (base === '.pgpass' || base === 'pgpass.conf') scanPgpass(text, push);
  else if (/^\.?my\.(?:cnf|ini)$|^(?:mysql|mariadb|client)[\w.-]*\.cnf$/.test(base)) scanIni(text, push);
  else if (base === '.htpasswd' || base === 'htpasswd' || base.endsWith('.htpasswd')) scanHtpasswd(text, push);
  else if (base === '.npmrc' || base === 'npmrc' || base === '.yarnrc.yml') scanNpmrc(text, push);
  else if (base === '.dockercfg' || base === 'config.json' || base === 'auth.json') scanDockerAuth(text, push);
  else if (isDotEnv(base)) scanKeyValues(text, push, 'in .env');
  else if (/^(?:docker-)?compose[\w.-]*\.ya?ml$/.test(base)) scanKeyValues(text, push, 'in a compose file');
  if (ext === 'xml' || ext === 'config') scanXml(text, push);
  if (ext === 'php' && text.includes('define')) scanPhpDefines(text, push);
  if (text.includes('encryptedPassword')) scanFirefoxLogins(text, push);
  if (/SECRET_KEY|secret_key|SECRET_TOKEN|secret_token|APP_KEY/.test(text)) scanFrameworkKeys(text, push);
  if (/(?:password|pwd)\s*=/i.test(text)) scanConnectionStrings(text, push);
  return out;
}

/** Offsets of each line: [start, text] pairs, without the line break. */
function* lines(text: string): Generator<[number, string]> {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    yield [start, line];
    start = end + 1;
  }
}

/** `machine h login u password p`: tokens, possibly over several lines. */
function scanNetrc(text: string, push: Push): void {
  const re = /(?:^|\s)(?:login\s+(\S+)\s+)?password\s+(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const [whole, login, pass] = m;
    // anonymous FTP asks for an e-mail address as its "password"
    if (login === 'anonymous' || login === 'ftp' || isStandInPassword(pass!)) continue;
    push(PASSWORD_IN_FILE, m.index + whole.length - pass!.length, pass!, 'Password in .netrc');
  }
}

/** `hostname:port:database:username:password`, `\:` and `\\` escaped. */
function scanPgpass(text: string, push: Push): void {
  for (const [at, line] of lines(text)) {
    if (line.trimStart().startsWith('#')) continue;
    const m = /^((?:[^:\\]|\\.)*:){4}/.exec(line);
    const pass = m ? line.slice(m[0].length) : '';
    if (!m || isStandInPassword(pass)) continue;
    push(PASSWORD_IN_FILE, at + m[0].length, pass, 'Password in .pgpass');
  }
}

/** `[client]` `password = p` (MySQL option files). */
function scanIni(text: string, push: Push): void {
  const re = /^[ \t]*(password|pass)[ \t]*=[ \t]*(?:"([^"\r\n]*)"|'([^'\r\n]*)'|([^\s#;]+))/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const pass = m[2] ?? m[3] ?? m[4] ?? '';
    if (isStandInPassword(pass)) continue;
    push(PASSWORD_IN_FILE, m.index + m[0].length - pass.length - (m[4] === undefined ? 1 : 0), pass, 'MySQL password');
  }
}

/** `user:hash` lines: every hash format htpasswd writes (apr1, bcrypt, {SHA}, crypt, plain). */
function scanHtpasswd(text: string, push: Push): void {
  for (const [at, line] of lines(text)) {
    const m = /^([^:#\s][^:]*):(\S+)/.exec(line);
    if (!m || isStandInPassword(m[2]!) || /^\$[\w]+\$x{4,}|\*$/.test(m[2]!)) continue;
    push(PASSWORD_HASH, at + m[1]!.length + 1, m[2]!, 'Password hash in an htpasswd file');
  }
}

/** `_authToken=`, `_auth=`, `_password=` in .npmrc; `npmAuthToken:` / `npmAuthIdent:` in .yarnrc.yml. */
function scanNpmrc(text: string, push: Push): void {
  const re = /(?:^[ \t]*|:)(_authToken|_auth|_password|npmAuthToken|npmAuthIdent)[ \t]*[=:][ \t]*["']?([^\s"'#]+)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const v = m[2]!;
    if (isStandInPassword(v) || isPlaceholder(v)) continue;
    // _auth, _password and npmAuthIdent are base64 ("user:password", "password")
    const decoded = m[1] === '_authToken' || m[1] === 'npmAuthToken' ? undefined : decodeBase64(v);
    if (
      decoded !== undefined &&
      (isPlaceholder(decoded, true) || isStandInPassword(decoded.slice(decoded.indexOf(':') + 1)))
    )
      continue;
    push(NPM_AUTH, m.index + m[0].length - v.length, v, `npm ${m[1]}`);
  }
}

/** `"auth": base64("user:password")` in a Docker / Podman credentials file. */
function scanDockerAuth(text: string, push: Push): void {
  const re = /"auth"\s*:\s*"([A-Za-z0-9+/]{4,}={0,2})"/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const decoded = decodeBase64(m[1]!);
    const colon = decoded?.indexOf(':') ?? -1;
    if (!decoded || colon < 1 || isStandInPassword(decoded.slice(colon + 1))) continue;
    push(
      PASSWORD_IN_FILE,
      m.index + m[0].length - m[1]!.length - 1,
      m[1]!,
      'Registry password (base64) in a Docker auth file',
    );
  }
}

/** `KEY=value` (.env) and `KEY: value` / `- KEY=value` (compose `environment`) under password names. */
function scanKeyValues(text: string, push: Push, where: string): void {
  const re =
    /^[ \t]*(?:-[ \t]+)?(?:export[ \t]+)?["']?([A-Za-z_][\w.-]{0,80})["']?[ \t]*[=:][ \t]*(?:"([^"\r\n]*)"|'([^'\r\n]*)'|([^\s#"'|>][^\r\n]*?))[ \t]*(?:[ \t]#.*)?$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const value = m[2] ?? m[3] ?? m[4] ?? '';
    if (!isPasswordName(m[1]!) || isStandInPassword(value)) continue;
    const start = m.index + m[0].indexOf(value, m[0].indexOf(m[1]!) + m[1]!.length);
    push(PASSWORD_ASSIGNMENT, start, value, `Password in "${m[1]}" ${where}`);
  }
}

const WP_SALTS = new Set([
  'AUTH_KEY',
  'SECURE_AUTH_KEY',
  'LOGGED_IN_KEY',
  'NONCE_KEY',
  'AUTH_SALT',
  'SECURE_AUTH_SALT',
  'LOGGED_IN_SALT',
  'NONCE_SALT',
]);

/** `define('DB_PASSWORD', '...')` and WordPress's salts `define('AUTH_KEY', '...')`. */
function scanPhpDefines(text: string, push: Push): void {
  const re =
    /define\(\s*(['"])(\w{1,80})\1\s*,\s*(?:'((?:[^'\\\r\n]|\\.){0,400})'|"((?:[^"\\\r\n]|\\.){0,400})")\s*\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const name = m[2]!;
    const value = m[3] ?? m[4] ?? '';
    const start = m.index + m[0].lastIndexOf(value, m[0].length - 1);
    if (WP_SALTS.has(name)) {
      // salts are any printable characters ('<', '$', '{' included): only the sample's phrase is a stand-in
      if (value.length >= 16 && !/unique phrase|\bhere\b/i.test(value) && shannonEntropy(value) >= 3.5)
        push(FRAMEWORK_KEY, start, value, `WordPress ${name}`);
    } else if (isPasswordName(name) && !isStandInPassword(value)) {
      push(PASSWORD_ASSIGNMENT, start, value, `Password in "${name}"`);
    }
  }
}

/** Passwords in XML: attributes, elements, FileZilla's base64 `<Pass>`, Spring's name/value pairs. */
function scanXml(text: string, push: Push): void {
  const res = [
    // not `pass=`: test reports count passes with it (<suite pass="12">)
    /\b(?:password|passwd|pwd)\s*=\s*"([^"\r\n]*)"/gi,
    /<(?:password|passwd|pass)\b([^>]*)>([^<\r\n]*)<\/(?:password|passwd|pass)>/gi,
    /\bname\s*=\s*"[\w.-]*(?:password|passwd)"\s+value\s*=\s*"([^"\r\n]*)"/gi,
  ];
  for (const re of res) {
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const value = m[m.length - 1]!;
      const base64 = m.length === 3 && /encoding\s*=\s*"base64"/.test(m[1]!);
      const plain = base64 ? decodeBase64(value) : value;
      if (plain === undefined || isStandInPassword(plain)) continue;
      push(PASSWORD_IN_FILE, m.index + m[0].lastIndexOf(value), value, `Password${base64 ? ' (base64)' : ''} in XML`);
    }
  }
}

/** Firefox's logins.json: `encryptedPassword` is DER in base64, readable with the profile's key4.db. */
function scanFirefoxLogins(text: string, push: Push): void {
  const re = /"encryptedPassword"\s*:\s*"(M[A-Za-z0-9+/]{30,}={0,2})"/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    push(PASSWORD_IN_FILE, m.index + m[0].length - m[1]!.length - 1, m[1]!, 'Browser saved login (logins.json)');
  }
}

/** Django/Flask `SECRET_KEY = '...'`, Rails `secret_key_base: ...`, Laravel `APP_KEY=...`. */
function scanFrameworkKeys(text: string, push: Push): void {
  const re =
    /(?<![\w$-])(SECRET_KEY_BASE|SECRET_KEY|secret_key_base|secret_key|SECRET_TOKEN|secret_token|APP_KEY)['"]?\]?[ \t]*(?:=|:(?!:))[ \t]*(?:'([^'\r\n\\]{16,400})'|"([^"\r\n\\]{16,400})"|([A-Za-z0-9+/=:_-]{32,400})(?=[ \t]*(?:#|\r?$)))/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const value = m[2] ?? m[3] ?? m[4] ?? '';
    if (isStandInPassword(value) || isPlaceholder(value, true) || shannonEntropy(value) < 3.5) continue;
    if (m[4] !== undefined && !isLikelySecretValue(value.replace(/^base64:/, ''))) continue;
    push(FRAMEWORK_KEY, m.index + m[0].lastIndexOf(value), value, `Secret key in "${m[1]}"`);
  }
}

/** A line that holds a database connection string, not a query string or prose. */
const CONN_MARKER_RE =
  /jdbc:|odbc|\b(?:Driver|Server|Data Source|Initial Catalog|Database|Host|User ID|UID|Provider)\s*=/i;

/** `jdbc:mysql://h/db?user=u&password=p`, `Server=h;User Id=u;Password=p;`, `PWD={p}`. */
function scanConnectionStrings(text: string, push: Push): void {
  const re = /(?<![\w.-])(?:password|pwd)\s*=\s*(?:\{([^}\r\n]{1,200})\}|([^;&"'\s<>{}()[\],]{1,200}))/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const value = m[1] ?? m[2] ?? '';
    // the marker must be near, on the same line: a minified bundle is one long line
    const lineStart = Math.max(text.lastIndexOf('\n', m.index) + 1, m.index - 300);
    const lineEnd = text.indexOf('\n', m.index);
    const line = text.slice(lineStart, Math.min(lineEnd === -1 ? text.length : lineEnd, m.index + 300));
    if (!CONN_MARKER_RE.test(line) || isStandInPassword(value)) continue;
    push(CONNECTION_STRING, m.index + m[0].lastIndexOf(value), value, 'Password in a connection string');
  }
}

/** Printable text from base64, or undefined. */
export function decodeBase64(s: string): string | undefined {
  if (s.length % 4 !== 0) return undefined;
  try {
    const d = atob(s);
    return /^[\x20-\x7e]*$/.test(d) ? d : undefined;
  } catch {
    return undefined;
  }
}
