// A SARIF result's primary location → file and region. Split from sarif.ts because URI resolution
// (uriBaseId chains, artifact indexes, file: URIs) is a topic of its own.
import { asObject, element, key, optArray, optInt, optObject, optString, ShapeError, type Json } from './check';
import { fileUriToPath, hasScheme, isAbsolutePath, percentDecode, relativize, stripQueryAndFragment } from './paths';

/** What sarif.ts knows about the run a result belongs to. */
export interface RunScope {
  /** JSON path of the run, e.g. "runs[1]" */
  path: string;
  workspace: string;
  artifacts: unknown[] | undefined;
  /** run.originalUriBaseIds */
  baseIds: Json | undefined;
  /** a repair the reader made, naming the JSON path (shown in the task's detail) */
  warn: (msg: string) => void;
}

export interface Place {
  file: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

type Resolved = { kind: 'path'; path: string } | { kind: 'uri'; uri: string };

/**
 * `result.locations[0]` → where to show it; undefined when the result names no file (no
 * locations, a logical location only, or an address in a binary), which the caller counts as
 * skipped. Only the first location is used: SARIF says the others are equally valid places for
 * the same problem, and one diagnostic per result is what a user expects.
 */
export function primaryPlace(run: RunScope, result: Json, rpath: string): Place | undefined {
  const locs = optArray(result.locations, `${rpath}.locations`);
  if (!locs || locs.length === 0) return undefined;
  const lpath = `${rpath}.locations[0]`;
  const phPath = `${lpath}.physicalLocation`;
  const phys = optObject(asObject(locs[0], lpath).physicalLocation, phPath);
  const al = optObject(phys?.artifactLocation, `${phPath}.artifactLocation`);
  if (!phys || !al) return undefined;
  const file = artifactFile(run, al, `${phPath}.artifactLocation`);

  const rp = `${phPath}.region`;
  // A bad region value (gitleaks writes endColumn 0) must not cost the finding, let alone the
  // log: the value is dropped with a warning and the finding keeps its file (and what else holds).
  const int = (v: unknown, path: string): number | undefined => {
    try {
      return optInt(v, path, 1);
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      run.warn(`${e.message} (ignored: the finding keeps the rest of its place)`);
      return undefined;
    }
  };
  let region: Json | undefined;
  try {
    region = optObject(phys.region, rp);
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    run.warn(`${e.message} (ignored: the finding is placed on the file)`);
  }
  // A region given only as charOffset/byteOffset cannot be turned into a line without the file;
  // the finding then sits on line 1 like a region-less one (the host has the file, we do not).
  const line = int(region?.startLine, `${rp}.startLine`);
  if (line === undefined) return { file };
  const column = int(region?.startColumn, `${rp}.startColumn`);
  const endLine = int(region?.endLine, `${rp}.endLine`);
  const endColumn = int(region?.endColumn, `${rp}.endColumn`);
  // Per SARIF, a missing endLine is the startLine, and a missing endColumn means "to the end of
  // endLine"; so no startColumn and no endColumn is the whole line.
  const place: Place = { file, line, column: column ?? 1, endLine: endLine ?? line };
  if (endColumn !== undefined) place.endColumn = endColumn;
  return place;
}

/** An artifactLocation → Finding.file: workspace-relative, or absolute, or a non-file URI as is. */
function artifactFile(run: RunScope, al: Json, alPath: string): string {
  let uri = optString(al.uri, `${alPath}.uri`);
  let baseId = optString(al.uriBaseId, `${alPath}.uriBaseId`);
  if (uri === undefined) {
    // No uri: the location points into run.artifacts, whose entry carries the uri.
    const index = optInt(al.index, `${alPath}.index`, -1);
    if (index === undefined || index < 0) {
      throw new ShapeError(alPath, `expected a uri or an index into ${run.path}.artifacts`);
    }
    const apath = `${run.path}.artifacts[${index}]`;
    const art = asObject(element(run.artifacts, index, `${alPath}.index`, `${run.path}.artifacts`), apath);
    const loc = asObject(art.location, `${apath}.location`);
    uri = optString(loc.uri, `${apath}.location.uri`);
    if (uri === undefined) throw new ShapeError(`${apath}.location.uri`, 'expected a string, got nothing');
    baseId = optString(loc.uriBaseId, `${apath}.location.uriBaseId`) ?? baseId;
  }
  const r = resolveUri(run, uri, baseId, []);
  return r.kind === 'path' ? relativize(r.path, run.workspace) : r.uri;
}

/**
 * A uri reference plus its uriBaseId → an absolute path (or a non-file URI). `chain` holds the
 * base ids followed so far, to stop a cycle (A → B → A) with an error instead of a stack overflow.
 */
function resolveUri(run: RunScope, uri: string, baseId: string | undefined, chain: string[]): Resolved {
  if (hasScheme(uri)) {
    return /^file:/i.test(uri) ? { kind: 'path', path: fileUriToPath(uri) } : { kind: 'uri', uri };
  }
  const rel = percentDecode(stripQueryAndFragment(uri));
  if (isAbsolutePath(rel)) return { kind: 'path', path: rel };
  const base = resolveBase(run, baseId, chain);
  if (base.kind === 'uri') {
    try {
      return { kind: 'uri', uri: new URL(uri, base.uri.endsWith('/') ? base.uri : `${base.uri}/`).href };
    } catch {
      return { kind: 'uri', uri: `${base.uri}/${uri}` };
    }
  }
  return { kind: 'path', path: rel === '' ? base.path : `${base.path}/${rel}` };
}

/**
 * Where a uriBaseId points. Decision: an id the run does not define (the usual `%SRCROOT%`, or any
 * other) and an id defined without a uri (SARIF's way of saying "the consumer knows") both mean
 * the workspace root, because agents run with cwd = workspace root and are given its paths.
 */
function resolveBase(run: RunScope, id: string | undefined, chain: string[]): Resolved {
  const ws: Resolved = { kind: 'path', path: run.workspace };
  if (id === undefined || !run.baseIds || !Object.hasOwn(run.baseIds, id)) return ws;
  const dpath = key(`${run.path}.originalUriBaseIds`, id);
  if (chain.includes(id)) {
    throw new ShapeError(dpath, `uriBaseId cycle: ${[...chain, id].join(' → ')}`);
  }
  const def = optObject(run.baseIds[id], dpath);
  const uri = optString(def?.uri, `${dpath}.uri`);
  if (!def || uri === undefined) return ws;
  return resolveUri(run, uri, optString(def.uriBaseId, `${dpath}.uriBaseId`), [...chain, id]);
}
