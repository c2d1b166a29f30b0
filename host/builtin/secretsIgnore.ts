// `.agentic/secrets-ignore`: lets a team silence known findings of the secrets audit by path glob
// and, optionally, rule. One entry a line:
//
//   # comment
//   test/fixtures/**                    every rule, every file under test/fixtures
//   docs/*.md  credentials-in-url       only that rule
//   **/*.sql   password-hash,key-file   several rules
//
// A glob with a `/` is matched against the workspace-relative path, one without against the base
// name (as in .gitignore). A line that names an unknown rule is an issue (file, line, column) and
// is left out, so a typo never widens what is ignored. Pure: the agent reads the file.
import picomatch from 'picomatch';
import { RULES } from './secretsRules';

export const IGNORE_FILE = '.agentic/secrets-ignore';

export interface IgnoreIssue {
  line: number;
  column: number;
  message: string;
}

export interface SecretsIgnore {
  /** true when the finding of `ruleId` in `file` (workspace-relative) is silenced */
  ignores(file: string, ruleId: string): boolean;
  issues: IgnoreIssue[];
  entries: number;
}

export function parseSecretsIgnore(content: string): SecretsIgnore {
  const known = new Set(RULES.map((r) => r.id));
  const entries: Array<{ match: (s: string) => boolean; anchored: boolean; rules: Set<string> | undefined }> = [];
  const issues: IgnoreIssue[] = [];
  content.split(/\r?\n/).forEach((raw, i) => {
    const text = raw.replace(/\s+#.*$/, '');
    const m = /^(\s*)(\S+)(?:(\s+)(\S+))?\s*(\S.*)?$/.exec(text);
    if (!m || m[2]!.startsWith('#')) return;
    const [, lead, glob, gap, ruleList, extra] = m;
    if (extra !== undefined) {
      const column =
        text.indexOf(extra, lead!.length + glob!.length + (gap?.length ?? 0) + (ruleList?.length ?? 0)) + 1;
      issues.push({
        line: i + 1,
        column,
        message: `unexpected "${extra}": a line is a path glob and an optional comma-separated list of rules`,
      });
      return;
    }
    let rules: Set<string> | undefined;
    if (ruleList !== undefined) {
      const col0 = lead!.length + glob!.length + gap!.length;
      const bad = ruleList.split(',').find((r) => !known.has(r));
      if (bad !== undefined) {
        issues.push({
          line: i + 1,
          column: col0 + ruleList.indexOf(bad) + 1,
          message: `unknown rule "${bad}" (the rules: ${[...known].join(', ')})`,
        });
        return;
      }
      rules = new Set(ruleList.split(','));
    }
    const pattern = glob!.replace(/^\//, '');
    entries.push({ match: picomatch(pattern, { dot: true }), anchored: glob!.includes('/'), rules });
  });
  return {
    issues,
    entries: entries.length,
    ignores(file, ruleId) {
      const base = file.slice(file.lastIndexOf('/') + 1);
      return entries.some((e) => (!e.rules || e.rules.has(ruleId)) && e.match(e.anchored ? file : base));
    },
  };
}
