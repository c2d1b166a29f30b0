// The labelled corpus of test/fixtures/secrets/kinds/: reads its EXPECTED.md, scans every file the
// way the agent does (secretsAgent.scanFile: real reads, key stores by their bytes) and scores
// each kind: recall on hit/, false positives on lookalike/ and unexpected findings anywhere.
// Shared by test/unit/secrets.kinds.test.ts and `npm run secrets:eval`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { scanFile } from '../../../host/builtin/secretsAgent';
import type { SecretHit } from '../../../host/builtin/secrets';

export const KINDS_DIR = join(__dirname, '..', '..', 'fixtures', 'secrets', 'kinds');

export interface ExpectedRow {
  kind: string;
  file: string;
  line: number;
  rule: string;
}

export interface KindScore {
  kind: string;
  expected: number;
  found: number;
  recall: number;
  /** findings under lookalike/ */
  lookalikeHits: SecretHit[];
  /** findings under hit/ that the table does not list */
  unexpected: SecretHit[];
  missed: ExpectedRow[];
}

export function readExpected(): ExpectedRow[] {
  return readFileSync(join(KINDS_DIR, 'EXPECTED.md'), 'utf8')
    .split('\n')
    .filter((l) => /^\| [\w-]+ \| [^|]+ \| \d+ \|/.test(l))
    .map((l) => {
      const [kind, file, line, rule] = l
        .split('|')
        .slice(1, 5)
        .map((c) => c.trim());
      return { kind: kind!, file: file!, line: Number(line), rule: rule! };
    });
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Scans the corpus; one score per kind folder, in name order. */
export async function scoreKinds(): Promise<KindScore[]> {
  const expected = readExpected();
  const kinds = readdirSync(KINDS_DIR)
    .filter((k) => statSync(join(KINDS_DIR, k)).isDirectory())
    .sort();
  const out: KindScore[] = [];
  for (const kind of kinds) {
    const rows = expected.filter((r) => r.kind === kind);
    const hits: SecretHit[] = [];
    for (const abs of walk(join(KINDS_DIR, kind))) {
      hits.push(...((await scanFile(KINDS_DIR, relative(KINDS_DIR, abs))) ?? []));
    }
    const key = (file: string, line: number, rule: string): string => `${file}:${line}:${rule}`;
    const got = new Set(hits.map((h) => key(h.file, h.line, h.ruleId)));
    const want = new Set(rows.map((r) => key(r.file, r.line, r.rule)));
    const missed = rows.filter((r) => !got.has(key(r.file, r.line, r.rule)));
    out.push({
      kind,
      expected: rows.length,
      found: rows.length - missed.length,
      recall: rows.length ? (rows.length - missed.length) / rows.length : 1,
      lookalikeHits: hits.filter((h) => h.file.startsWith(`${kind}/lookalike/`)),
      unexpected: hits.filter(
        (h) => !h.file.startsWith(`${kind}/lookalike/`) && !want.has(key(h.file, h.line, h.ruleId)),
      ),
      missed,
    });
  }
  return out;
}
