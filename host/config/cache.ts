// Starting the host without zod and yaml. Validating agentic_config.yaml needs both, and loading
// them is most of the host's cold start (~250 ms and ~13 MB RSS measured on the test machines,
// where `node -e 0` takes ~40 ms; npm run bench, host_cold_start_ratio / host_idle_rss_mb). The
// outcome of a validation depends only on the file's bytes and on the host build, so it is kept,
// content-addressed, in the per-user runtime directory (0700, tmpfs on most systems): a host that
// starts on a config it has seen before takes the stored result and never loads the validator.
// Anything unusual — no cache dir, no build id, an unreadable or foreign entry — takes the full
// path, which is also the only path for hot reloads.
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { ResolvedConfig } from '../../common/configSchema';
import type { ConfigIssue } from '../../common/model';
import { parseOffThread } from './parseWorker';
import { readConfigText } from './readConfig';

export type ConfigLoad = { exists: boolean } & (
  { ok: true; config: ResolvedConfig; issues: ConfigIssue[] } | { ok: false; issues: ConfigIssue[] }
);

export interface ConfigCache {
  /** the per-user runtime directory */
  dir: string;
  /** identifies the host build (the bundle's size and mtime): a rebuilt validator never sees old results */
  build: string;
}

const FORMAT = 'config-cache-1';

type Validator = typeof import('./validator');

/**
 * zod, yaml and the schema (validator.ts). The only way the host loads them: esbuild.config.mjs
 * points this require at dist/config-validator.js, so they are not even parsed until a config has
 * to be validated.
 */
export function loadValidator(): Promise<Validator> {
  // require, not import(): in the CommonJS bundle import() would go through Node's ESM loader
  return Promise.resolve().then(() => require('./validator') as Validator);
}

/**
 * Validates `file`, through the cache when one is given. Never throws on bad input. `offThread`
 * (a reload, while the host serves requests): the parse runs in a worker thread (parseWorker.ts).
 * `validator` is how the validator is loaded on this thread (tests count the loads: a hit must not
 * load it).
 */
export async function loadConfigCached(
  file: string,
  cache: ConfigCache | undefined,
  offThread = false,
  validator: () => Promise<Validator> = loadValidator,
): Promise<ConfigLoad> {
  const read = await readConfigText(file);
  // too large, not UTF-8, unreadable: refused before the parser (or zod) is even loaded
  if (read.kind === 'refused') return { exists: true, ok: false, issues: [read.issue] };
  const text = read.kind === 'text' ? read.text : undefined;
  const entry = cache ? join(cache.dir, `config-${key(cache.build, text)}.json`) : undefined;
  if (entry) {
    try {
      const hit = JSON.parse(await readFile(entry, 'utf8')) as { format: string; result: ConfigLoad };
      if (hit.format === FORMAT) return hit.result;
    } catch {
      // no entry yet (or a damaged one): validate
    }
  }
  let result: ConfigLoad;
  // a deleted file (text undefined) is resolved there too: loading zod here would block as long
  const worker = offThread ? parseOffThread(text, file) : undefined;
  if (worker) {
    const r = await worker;
    const exists = text !== undefined;
    result = r.ok ? { exists, ok: true, config: r.config, issues: r.issues } : { exists, ok: false, issues: r.issues };
  } else if (text === undefined) {
    const v = await validator();
    result = { exists: false, ok: true, config: v.resolveConfig(v.DEFAULT_CONFIG_FILE), issues: [] };
  } else {
    const r = (await validator()).parseConfigText(text, file);
    result = r.ok
      ? { exists: true, ok: true, config: r.config, issues: r.issues }
      : { exists: true, ok: false, issues: r.issues };
  }
  if (entry) await store(entry, result);
  return result;
}

function key(build: string, text: string | undefined): string {
  return createHash('sha256')
    .update(`${FORMAT}\0${build}\0${text === undefined ? '\0no file' : `\0${text}`}`)
    .digest('hex')
    .slice(0, 32);
}

/** Written atomically, and only when JSON gives back exactly what was validated. */
async function store(entry: string, result: ConfigLoad): Promise<void> {
  const text = JSON.stringify({ format: FORMAT, result });
  if (!isDeepStrictEqual(JSON.parse(text).result, result)) return; // e.g. a field JSON cannot carry
  const tmp = `${entry}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, entry);
  } catch {
    // a cache that cannot be written only costs the next start its speed
  }
}
