// ARCHITECTURE.md stays the map of the code: every message of common/protocol.ts is in its
// protocol table (and nothing else is), every top-level folder is named in it, and every test file
// it cites as holding an invariant exists.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as P from '../../common/protocol';

const ROOT = join(__dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');

/** The lines of the markdown section under `## title`, up to the next `## `. */
function section(title: string): string {
  const start = DOC.indexOf(`\n## ${title}\n`);
  assert.notEqual(start, -1, `ARCHITECTURE.md has no "## ${title}" section`);
  const end = DOC.indexOf('\n## ', start + 1);
  return DOC.slice(start, end === -1 ? undefined : end);
}

/** Every method declared in common/protocol.ts: each message namespace exports `type.method`. */
function protocolMethods(mod: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const v of Object.values(mod)) {
    const method = (v as { type?: { method?: unknown } } | undefined)?.type?.method;
    if (typeof method === 'string') out.push(method);
  }
  return out.sort();
}

/** Top-level directories that are part of the project: not .git, not what .gitignore names. */
function projectFolders(root: string): string[] {
  const ignored = new Set(
    readFileSync(join(root, '.gitignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.replace(/^\//, '').replace(/\/$/, '')),
  );
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== '.git' && !ignored.has(d.name))
    .map((d) => d.name)
    .sort();
}

describe('ARCHITECTURE.md', () => {
  it('lists every message of common/protocol.ts in its protocol table, and no other', () => {
    const methods = protocolMethods(P);
    assert.ok(methods.length >= 20, `found only ${methods.length} messages in common/protocol.ts`);
    const rows = [...section('Protocol').matchAll(/^\| `([^`]+)` \| (client → host|host → client) \|/gm)].map(
      (m) => m[1]!,
    );
    const missing = methods.filter((m) => !rows.includes(m));
    assert.deepEqual(missing, [], `common/protocol.ts has messages the protocol table of ARCHITECTURE.md lacks`);
    const stale = rows.filter((r) => !methods.includes(r));
    assert.deepEqual(
      stale,
      [],
      `the protocol table of ARCHITECTURE.md lists messages common/protocol.ts does not have`,
    );
  });

  it('names every top-level folder in its code map', () => {
    const map = section('Code map');
    const unnamed = projectFolders(ROOT).filter((f) => !map.includes(`\`${f}/\``));
    assert.deepEqual(unnamed, [], 'top-level folders the code map of ARCHITECTURE.md does not name');
  });

  it('cites only test files that exist', () => {
    const cited = [...new Set([...DOC.matchAll(/`(test\/[\w./-]+\.test\.ts)`/g)].map((m) => m[1]!))];
    assert.ok(cited.length > 0);
    assert.deepEqual(
      cited.filter((f) => !existsSync(join(ROOT, f))),
      [],
      'test files ARCHITECTURE.md cites that do not exist',
    );
  });
});
