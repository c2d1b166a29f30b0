// Maps a key path ("background", "agents", "saa", "max_memory") to a position in the YAML source,
// so every issue can say line:column. Pure: works on an already parsed document.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type PathSeg = string | number;

export interface Span {
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

interface Found {
  key?: Node; // the key scalar that names the deepest node reached, when it is a mapping value
  value?: Node; // the deepest node reached (undefined for `key:` with nothing after it in some cases)
  complete: boolean; // the whole path was found
}

function walk(doc: Document, path: readonly PathSeg[]): Found {
  let node: unknown = doc.contents;
  let found: Found = { value: (node as Node | null) ?? undefined, complete: true };
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: Found | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair) next = { key: pair.key as Node, value: (pair.value as Node | null) ?? undefined, complete: true };
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item !== undefined) next = { value: item as Node, complete: true };
    }
    // A missing node is reported at its parent, which is where the user has to add it.
    if (!next) return { ...found, complete: false };
    found = next;
    node = next.value;
  }
  return found;
}

function isBlockCollection(n: Node | undefined): boolean {
  return (isMap(n) || isSeq(n)) && !n.flow;
}

/**
 * Where the node at `path` is. `preferKey` points at the key itself (unknown keys, bad agent ids);
 * otherwise the value is the offending node, except a block mapping/list or an empty value, where
 * the key naming it reads better than its first child.
 */
export function locate(doc: Document, lc: LineCounter, path: readonly PathSeg[], preferKey = false): Span {
  const f = walk(doc, path);
  const useKey = f.key && (preferKey || !f.value || isBlockCollection(f.value) || isEmpty(f.value));
  const node = useKey ? f.key : (f.value ?? f.key);
  const range = node?.range;
  if (!range) return {};
  const start = pos(lc, range[0]);
  // For a block collection reached without a key (a list item) only the start is meaningful.
  const end = isBlockCollection(node) ? undefined : pos(lc, range[1]);
  return {
    line: start.line,
    column: start.col,
    ...(end && range[1] > range[0] ? { endLine: end.line, endColumn: end.col } : {}),
  };
}

function isEmpty(n: Node): boolean {
  return isScalar(n) && n.value === null && (n.range ? n.range[0] === n.range[1] : true);
}

/** 1-based line and column of a source offset. */
export function pos(lc: LineCounter, offset: number): { line: number; col: number } {
  const p = lc.linePos(offset);
  // linePos answers line 0 before the first newline has been seen; that is line 1.
  return p.line === 0 ? { line: 1, col: offset + 1 } : p;
}
