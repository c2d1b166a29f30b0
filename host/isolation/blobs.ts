// Reading many blobs with one git process (`git cat-file --batch`) instead of one per blob: an
// apply of a 100-file change set needs up to 200 of them.
import { spawn } from 'node:child_process';
import { GitError } from './git';

export async function readBlobs(top: string, ids: string[]): Promise<Map<string, Buffer>> {
  const want = [...new Set(ids)];
  const out = new Map<string, Buffer>();
  if (!want.length) return out;
  const child = spawn('git', ['cat-file', '--batch'], { cwd: top, stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const done = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(want.join('\n') + '\n');
  const code = await done;
  if (code !== 0) throw new GitError(['cat-file', '--batch'], code, stderr);
  const buf = Buffer.concat(chunks);
  let at = 0;
  for (const id of want) {
    const nl = buf.indexOf(10, at);
    const header = buf.subarray(at, nl).toString('utf8');
    const [sha, type, size] = header.split(' ');
    if (type === 'missing' || !size) throw new GitError(['cat-file', '--batch'], code, `${id}: ${header}`);
    const start = nl + 1;
    out.set(id, buf.subarray(start, start + Number(size)));
    at = start + Number(size) + 1;
    if (sha !== id && !sha?.startsWith(id))
      throw new GitError(['cat-file', '--batch'], code, `expected ${id}, got ${sha}`);
  }
  return out;
}
