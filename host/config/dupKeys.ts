// Duplicate mapping keys, found in one pass. yaml's own `uniqueKeys` check compares each key with
// every earlier key of its mapping: quadratic, ~10 s for a 1 MB file of keys (122 s on a loaded
// test machine). Here each mapping gets a Set, so the check is linear in the file.
import { isMap, isScalar, visit, type Document, type LineCounter } from 'yaml';
import type { ConfigIssue } from '../../common/model';
import { pos } from './yamlPos';

export function duplicateKeyIssues(doc: Document, lc: LineCounter): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  visit(doc, {
    Map(_, map) {
      if (!isMap(map) || map.items.length < 2) return;
      const seen = new Set<string>();
      for (const pair of map.items) {
        // as yaml's check: scalars are the same key when their values are (1 and "1" are not)
        if (!isScalar(pair.key)) continue;
        const v = pair.key.value;
        const id = `${typeof v}\0${String(v)}`;
        if (!seen.has(id)) {
          seen.add(id);
          continue;
        }
        const range = pair.key.range;
        const start = range ? pos(lc, range[0]) : undefined;
        const end = range && range[1] > range[0] ? pos(lc, range[1]) : undefined;
        out.push({
          severity: 'error',
          message: `duplicate key ${JSON.stringify(String(v))}`,
          path: '',
          ...(start ? { line: start.line, column: start.col } : {}),
          ...(end ? { endLine: end.line, endColumn: end.col } : {}),
        });
      }
    },
  });
  return out;
}
