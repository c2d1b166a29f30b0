// The sha256 of each file a finding points into (every finding carries the content
// hash it was computed from), so a client can tell a finding is stale once the file changed.
// Same rule as the one-shot runner's: a file that cannot be read leaves its findings unhashed.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Finding } from '../../common/model';

export async function addContentHashes(findings: Finding[], workspace: string): Promise<void> {
  const files = [...new Set(findings.map((f) => f.file))];
  const hashes = new Map<string, string>();
  await Promise.all(
    files.map(async (f) => {
      try {
        const buf = await readFile(isAbsolute(f) ? f : join(workspace, f));
        hashes.set(f, createHash('sha256').update(buf).digest('hex'));
      } catch {
        // the file is gone: leave the finding without a hash
      }
    }),
  );
  for (const f of findings) {
    const h = hashes.get(f.file);
    if (h) f.contentHash = h;
  }
}
