// Typed readers for untrusted JSON (a SARIF log, a findings-json line). Each takes the value and
// its JSON path and throws a ShapeError naming that path when the type is wrong, so the user reads
// "runs[2].results[5].locations[0].physicalLocation.region.startLine: expected a positive integer,
// got 0" instead of a TypeError from deep inside the parser.
//
// Absent and null both read as "not given": SARIF producers are inconsistent about emitting null
// for empty optional properties, and nothing we read gives null a meaning of its own (except
// `runs`, which sarif.ts checks itself).

export type Json = Record<string, unknown>;

export class ShapeError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path || 'the document'}: ${detail}`);
  }
}

/** A short human description of a JSON value for error messages. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the property is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') {
    const s = v.length > 40 ? `${v.slice(0, 40)}…` : v;
    return `the string ${JSON.stringify(s)}`;
  }
  return `${typeof v === 'number' ? 'the number' : typeof v} ${String(v)}`;
}

export function fail(path: string, expected: string, got: unknown): never {
  throw new ShapeError(path, `expected ${expected}, got ${describe(got)}`);
}

/** `path.key`, or `path["%SRCROOT%"]` when the key is not an identifier. */
export function key(path: string, k: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(k)) return path ? `${path}.${k}` : k;
  return `${path}[${JSON.stringify(k)}]`;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asObject(v: unknown, path: string): Json {
  if (!isObject(v)) fail(path, 'an object', v);
  return v;
}

export function optObject(v: unknown, path: string): Json | undefined {
  return v === undefined || v === null ? undefined : asObject(v, path);
}

export function optArray(v: unknown, path: string): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(path, 'an array', v);
  return v;
}

export function optString(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(path, 'a string', v);
  return v;
}

const INT_WORDS: Record<number, string> = {
  1: 'a positive integer',
  0: 'a non-negative integer',
  [-1]: 'an integer ≥ -1',
};

/** An integer ≥ min (1: line numbers, 0: counts, -1: SARIF indexes where -1 means "none"). */
export function optInt(v: unknown, path: string, min: 1 | 0 | -1): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(path, INT_WORDS[min]!, v);
  return v;
}

export function optBoolean(v: unknown, path: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') fail(path, 'a boolean', v);
  return v;
}

/** One of the allowed strings. */
export function optEnum<T extends string>(v: unknown, path: string, allowed: readonly T[]): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fail(path, `one of ${allowed.join(', ')}`, v);
  }
  return v as T;
}

/** `arr[i]` of an array that must be that long, or a ShapeError at `indexPath`. */
export function element(arr: unknown[] | undefined, i: number, indexPath: string, arrPath: string): unknown {
  if (!arr || i >= arr.length) {
    throw new ShapeError(
      indexPath,
      `${i} is out of range: ${arrPath} has ${arr ? arr.length : 'no'} entr${arr?.length === 1 ? 'y' : 'ies'}`,
    );
  }
  return arr[i];
}
