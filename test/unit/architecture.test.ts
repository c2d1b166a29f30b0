// ARCHITECTURE.md stays the map of the code: every message of common/protocol.ts is in its
// protocol table (and nothing else is), every top-level folder is named in it, every test file it
// cites as holding an invariant exists, and every pointer into it (or the README) from a code
// comment names a section that exists.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as P from '../../common/protocol';

const ROOT = join(__dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The markdown section under `## title`, up to the next `## `; undefined when there is none. */
function findSection(doc: string, title: string): string | undefined {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start === -1) return undefined;
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end === -1 ? undefined : end);
}
function section(title: string): string {
  const s = findSection(DOC, title);
  assert.ok(s !== undefined, `ARCHITECTURE.md has no "## ${title}" section`);
  return s;
}

/** The project's TypeScript sources, fixtures left out (they are inputs, not the code). */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = `${dir}/${d.name}`;
    if (d.isDirectory()) return rel === 'test/fixtures' ? [] : sources(rel);
    return d.name.endsWith('.ts') ? [rel] : [];
  });
}

/**
 * Why a pointer from a comment ("ARCHITECTURE.md: Invariants, Trust", "README: Agents",
 * "ARCHITECTURE.md: The life of a task, step 6") does not resolve, or undefined when it does.
 */
function brokenPointer(doc: string, title: string, item: string | undefined): string | undefined {
  const s = findSection(doc, title);
  if (s === undefined) return `no section "## ${title}"`;
  if (item === undefined) return undefined;
  const step = /^step (\d+)$/.exec(item);
  if (step) return new RegExp(`^${step[1]}\\. `, 'm').test(s) ? undefined : `no step ${step[1]} in "${title}"`;
  return s.includes(`**${item}`) ? undefined : `no item "**${item}" in "${title}"`;
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
    const table = [...section('Protocol').matchAll(/^\| `([^`]+)` \| (client → host|host → client) \|/gm)];
    const rows = table.map((m) => m[1]!);
    const missing = methods.filter((m) => !rows.includes(m));
    assert.deepEqual(missing, [], `common/protocol.ts has messages the protocol table of ARCHITECTURE.md lacks`);
    const stale = rows.filter((r) => !methods.includes(r));
    assert.deepEqual(
      stale,
      [],
      `the protocol table of ARCHITECTURE.md lists messages common/protocol.ts does not have`,
    );
    // the direction column says what the message's comment in common/protocol.ts says
    const source = readFileSync(join(ROOT, 'common', 'protocol.ts'), 'utf8');
    const wrong = table.flatMap(([, method, direction]) => {
      const ns = Object.entries(P).find(([, v]) => (v as { type?: { method?: unknown } }).type?.method === method)?.[0];
      const at = source.indexOf(`export namespace ${ns} {`);
      const doc = source.slice(source.lastIndexOf('/**', at), at);
      return ns && at !== -1 && !doc.includes(`${direction!}.`) ? [`${method}: ${direction!}`] : [];
    });
    assert.deepEqual(wrong, [], 'directions in ARCHITECTURE.md that common/protocol.ts does not give');
  });

  it('names every top-level folder in its code map', () => {
    const map = section('Code map');
    const unnamed = projectFolders(ROOT).filter((f) => !map.includes(`\`${f}/\``));
    assert.deepEqual(unnamed, [], 'top-level folders the code map of ARCHITECTURE.md does not name');
  });

  it('is pointed into, from code comments, only by sections that exist (the README too)', () => {
    const broken: string[] = [];
    let seen = 0;
    for (const f of ['common', 'host', 'src', 'test'].flatMap(sources)) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const m of text.matchAll(/\b(ARCHITECTURE\.md|README): ([A-Z][^,.)\n"]*)(?:, ([^.)\n"]+))?/g)) {
        seen++;
        const why = brokenPointer(m[1] === 'README' ? README : DOC, m[2]!, m[3]);
        if (why) broken.push(`${f}: "${m[0]}": ${why}`);
      }
    }
    assert.ok(seen > 0, 'no pointers found: the pattern no longer matches how comments write them');
    assert.deepEqual(broken, []);
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
