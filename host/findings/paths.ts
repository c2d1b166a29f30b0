// Path and URI helpers shared by the output parsers: tools print paths relative to their cwd (the
// workspace root), absolute paths, Windows paths or file: URIs; a Finding wants a
// workspace-relative path with forward slashes. Pure string work: no fs, no process.cwd(), so the
// result does not depend on the machine the tests run on.

/** `C:/`, `c:\` ... : a Windows drive root. */
const DRIVE_RE = /^[A-Za-z]:(?:\/|$)/;
/** An RFC 3986 scheme. Two letters at least, so a drive letter (`C:`) is not taken for one. */
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]+:/;

/** true for `/x`, `//server/share`, `C:/x` and `C:\x`. */
export function isAbsolutePath(p: string): boolean {
  const s = p.replace(/\\/g, '/');
  return s.startsWith('/') || DRIVE_RE.test(s);
}

/** true when `s` starts with a URI scheme (`file:`, `https:`), i.e. it is not a plain path. */
export function hasScheme(s: string): boolean {
  return SCHEME_RE.test(s);
}

/**
 * Splits an absolute or relative path (slashes already forward) into its root and its segments,
 * with `.` and `..` resolved. `..` above the root stays at the root, as a shell does; `..` at the
 * start of a relative path is kept, since there is nothing to resolve it against here.
 */
function split(p: string): { root: string; segs: string[] } {
  let root = '';
  let rest = p;
  const drive = /^([A-Za-z]:)(\/|$)/.exec(p);
  if (drive) {
    // Drive letters upper-cased: `c:/x` and `C:/x` are the same file and must relativize alike.
    root = drive[1]!.toUpperCase() + '/';
    rest = p.slice(drive[0].length);
  } else if (p.startsWith('//') && !p.startsWith('///')) {
    root = '//'; // UNC: //server/share
    rest = p.slice(2);
  } else if (p.startsWith('/')) {
    root = '/';
    rest = p.replace(/^\/+/, '');
  }
  const segs: string[] = [];
  for (const seg of rest.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (segs.length > 0 && segs[segs.length - 1] !== '..') segs.pop();
      else if (!root) segs.push('..');
      continue;
    }
    segs.push(seg);
  }
  return { root, segs };
}

/** Forward slashes, `.`/`..` resolved, no trailing slash (except a bare root). */
export function normalizePath(p: string): string {
  const { root, segs } = split(p.replace(/\\/g, '/'));
  return root + segs.join('/') || '.';
}

/**
 * A path as a Finding wants it: relative to `workspace` with forward slashes when it lies inside
 * the workspace, otherwise absolute (normalized, forward slashes). A relative input is taken as
 * relative to the workspace, because agents run with cwd = workspace root. The workspace itself
 * becomes "" (a result on the root folder, not on a file).
 *
 * Windows workspaces (`C:\...`) compare case-insensitively, as the file system does there; POSIX
 * paths compare exactly (we cannot know whether a macOS volume is case-insensitive).
 */
export function relativize(path: string, workspace: string): string {
  if (path === '') return '';
  const ws = normalizePath(workspace);
  const abs = isAbsolutePath(path) ? normalizePath(path) : normalizePath(`${ws}/${path.replace(/\\/g, '/')}`);
  const fold = DRIVE_RE.test(ws) ? (s: string) => s.toLowerCase() : (s: string) => s;
  const a = fold(abs);
  const w = fold(ws);
  if (a === w) return '';
  const prefix = w.endsWith('/') ? w : `${w}/`; // a root workspace ("/") already ends in a slash
  return a.startsWith(prefix) ? abs.slice(prefix.length) : abs;
}

/**
 * Percent-decodes what can be decoded and leaves malformed escapes (`%zz`, a lone `%E2`) as they
 * are: a tool that under-encodes a path must not make the whole document fail.
 */
export function percentDecode(s: string): string {
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** Drops `?query` and `#fragment`: a file URI's path ends there (a literal `#` is `%23`). */
export function stripQueryAndFragment(s: string): string {
  const cut = s.search(/[?#]/);
  return cut === -1 ? s : s.slice(0, cut);
}

/**
 * `file:` URI → path with forward slashes, percent-decoded. Handles `file:///abs`, `file:/abs`
 * (seen from some JVM tools), `file://localhost/abs`, `file:///C:/x` and VS Code's `file:///c%3A/x`
 * (→ `C:/x`), and `file://server/share/x` (→ `//server/share/x`, a UNC path).
 */
export function fileUriToPath(uri: string): string {
  let rest = stripQueryAndFragment(uri.replace(/^file:/i, ''));
  let host = '';
  if (rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    host = end === -1 ? rest.slice(2) : rest.slice(2, end);
    rest = end === -1 ? '/' : rest.slice(end);
  }
  let path = percentDecode(rest);
  // `/C:/x` is a Windows path written as a URI path; the leading slash is not part of it.
  if (/^\/[A-Za-z]:(?:\/|$)/.test(path)) path = path.slice(1);
  if (host && host.toLowerCase() !== 'localhost') path = `//${percentDecode(host)}${path}`;
  return normalizePath(path);
}
