// Turns zod issues into ConfigIssues a user can act on: the key is named, the expectation is in
// words ("an integer ≥ 1"), the bad value is quoted, and the position is the offending YAML node.
// zod's own messages ("Invalid input") are only used where the schema wrote its own text.
import type { z } from 'zod';
import type { Document, LineCounter } from 'yaml';
import type { ConfigIssue } from '../../common/model';
import { agentSchema, configFileSchema } from '../../common/configSchema';
import { didYouMean } from './suggest';
import { locate, type PathSeg } from './yamlPos';

type Schema = z.core.$ZodType;
type ZIssue = z.core.$ZodIssue;
interface Def {
  type: string;
  innerType?: Schema;
  shape?: Record<string, Schema>;
  valueType?: Schema;
  element?: Schema;
  options?: Schema[];
  entries?: Record<string, string | number>;
}

const def = (s: Schema): Def => s._zod.def as unknown as Def;

function unwrap(s: Schema): Schema {
  let cur = s;
  for (
    let d = def(cur);
    d.innerType && ['optional', 'nullable', 'default', 'readonly', 'prefault'].includes(d.type);
    d = def(cur)
  ) {
    cur = d.innerType;
  }
  return cur;
}

/** The (unwrapped) schema that validates the value at `path`, when it can be known. */
function schemaAt(root: Schema, path: readonly PathSeg[]): Schema | undefined {
  let s: Schema | undefined = unwrap(root);
  for (const seg of path) {
    const d = def(s);
    const next: Schema | undefined =
      d.type === 'object'
        ? d.shape?.[String(seg)]
        : d.type === 'record'
          ? d.valueType
          : d.type === 'array'
            ? d.element
            : undefined;
    if (!next) return undefined;
    s = unwrap(next);
  }
  return s;
}

// The duration and size scalars are unions refined by a parser; they are recognised by identity so
// that a wrong type (a union failure) and a malformed string (the refinement) read the same.
const DURATION = unwrap(agentSchema.shape.timeout);
const SIZE = unwrap(agentSchema.shape.max_memory);
const ownMessage = (s: Schema, bad: unknown): string =>
  (s as unknown as z.ZodType).safeParse(bad).error?.issues[0]?.message ?? 'invalid value';
const SCALAR_MESSAGES = new Map<Schema, string>([
  [DURATION, ownMessage(DURATION, 'not a duration')],
  [SIZE, ownMessage(SIZE, 'not a size')],
]);

/** "background.agents.saa.max_memory", "background.triggers[0].agent", `agents["my agent"]`. */
export function formatPath(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

const where = (path: readonly PathSeg[]): string => formatPath(path) || 'the top level';

function valueAt(data: unknown, path: readonly PathSeg[]): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg as string];
  }
  return v;
}

/** The value itself, for range and enum errors: `0`, `"urgent"`. */
export function show(v: unknown): string {
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

/** The value with its type, for type errors: `string "25%"`. */
function showTyped(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${show(v)}`;
  return show(v);
}

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'a boolean (true or false)',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

function describe(s: Schema | undefined): string {
  if (!s) return 'a different value';
  const d = def(s);
  if (d.type === 'enum') return `one of ${Object.values(d.entries ?? {}).join(', ')}`;
  if (d.type === 'object') return `a mapping { ${Object.keys(d.shape ?? {}).join(', ')} }`;
  if (d.type === 'union') return (d.options ?? []).map((o) => describe(unwrap(o))).join(' or ');
  return EXPECTED[d.type] ?? `a ${d.type}`;
}

function isInt(s: Schema | undefined): boolean {
  return !!s && (s as { isInt?: boolean }).isInt === true;
}

interface Ctx {
  base: PathSeg[]; // where the issue's relative path starts (a union branch is validated alone)
  schema: Schema; // the schema at `base`
  data: unknown;
  doc: Document;
  lc: LineCounter;
  out: ConfigIssue[];
}

function push(ctx: Ctx, path: PathSeg[], message: string, at: PathSeg[] = path, preferKey = false): void {
  ctx.out.push({ severity: 'error', message, path: formatPath(path), ...locate(ctx.doc, ctx.lc, at, preferKey) });
}

function bound(issue: ZIssue & { code: 'too_small' | 'too_big' }, s: Schema | undefined, value: unknown): string {
  const small = issue.code === 'too_small';
  const n = Number(small ? issue.minimum : issue.maximum);
  if (issue.origin === 'string')
    return small && n <= 1 ? 'a non-empty string' : `a string of ${small ? 'at least' : 'at most'} ${n} characters`;
  if (issue.origin === 'array')
    return small && n <= 1 ? 'a non-empty list' : `a list of ${small ? 'at least' : 'at most'} ${n} items`;
  const op = small ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
  return `${isInt(s) || issue.origin === 'int' ? 'an integer' : 'a number'} ${op} ${n}, got ${show(value)}`;
}

function mapIssue(issue: ZIssue, ctx: Ctx): void {
  const rel = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const path = [...ctx.base, ...rel];
  const value = valueAt(ctx.data, path);
  const schema = schemaAt(ctx.schema, rel);
  const p = where(path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = Object.keys((schema && def(schema).shape) ?? {});
      for (const key of issue.keys) {
        push(ctx, [...path, key], `unknown key "${key}" in ${p}${didYouMean(key, known)}`, [...path, key], true);
      }
      return;
    }
    case 'invalid_type': {
      if (value === undefined && path.length > 0) {
        const parent = path.slice(0, -1);
        return push(ctx, path, `${where(parent)}: missing required key "${String(path[path.length - 1])}"`);
      }
      const got = issue.expected === 'int' && typeof value === 'number' ? show(value) : showTyped(value);
      return push(ctx, path, `${p}: expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${got}`);
    }
    case 'too_small':
    case 'too_big':
      return push(ctx, path, `${p}: expected ${bound(issue, schema, value)}`);
    case 'invalid_value':
      return push(ctx, path, `${p}: expected one of ${issue.values.map(String).join(', ')}, got ${show(value)}`);
    case 'invalid_key': {
      const parent = path.slice(0, -1);
      const why = issue.issues.map((i) => i.message).join('; ');
      return push(
        ctx,
        path,
        `${where(parent)}: invalid key ${show(String(path[path.length - 1]))} (${why})`,
        path,
        true,
      );
    }
    case 'invalid_union':
      return mapUnion(issue, ctx, path, schema, value);
    case 'custom': {
      // builtin + command: the second of the two keys is the one to remove, so point there.
      const both = value !== null && typeof value === 'object' && 'builtin' in value && 'command' in value;
      const scalar = value === null || typeof value !== 'object';
      const msg = `${p}: ${issue.message}${scalar ? `, got ${show(value)}` : ''}`;
      return both ? push(ctx, path, msg, [...path, 'command'], true) : push(ctx, path, msg);
    }
    default:
      return push(ctx, path, `${p}: ${issue.message}${typeof value === 'string' ? `, got ${show(value)}` : ''}`);
  }
}

function mapUnion(
  issue: ZIssue & { code: 'invalid_union' },
  ctx: Ctx,
  path: PathSeg[],
  s: Schema | undefined,
  value: unknown,
): void {
  const own = s && SCALAR_MESSAGES.get(s);
  if (own) return push(ctx, path, `${where(path)}: ${own}, got ${show(value)}`);
  const options = s && def(s).type === 'union' ? (def(s).options ?? []) : [];
  // A branch that failed on the value's own type or enum value is not what the user meant; if
  // one branch got further (the right shape, a bad field), its issues are the useful ones.
  const near = issue.errors
    .map((errs, i) => ({ errs, option: options[i] }))
    .filter(
      ({ errs }) =>
        errs.length > 0 &&
        !errs.some((e) => e.path.length === 0 && (e.code === 'invalid_type' || e.code === 'invalid_value')),
    );
  const fewest = Math.min(...near.map((b) => b.errs.length));
  const best = near.filter((b) => b.errs.length === fewest);
  if (best.length === 1 && best[0]!.option) {
    const sub: Ctx = { ...ctx, base: path, schema: best[0]!.option };
    for (const e of best[0]!.errs) mapIssue(e, sub);
    return;
  }
  push(ctx, path, `${where(path)}: expected ${describe(s)}, got ${show(value)}`);
}

/** Maps the issues of `configFileSchema.safeParse(data)` to ConfigIssues located in `doc`. */
export function zodToConfigIssues(
  issues: readonly ZIssue[],
  data: unknown,
  doc: Document,
  lc: LineCounter,
): ConfigIssue[] {
  const ctx: Ctx = { base: [], schema: configFileSchema, data, doc, lc, out: [] };
  for (const issue of issues) mapIssue(issue, ctx);
  return ctx.out;
}
