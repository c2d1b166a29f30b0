// Honouring .gitignore for the workspace watcher: a file git ignores (build output, caches) never
// triggers an on-save agent. Each directory's .gitignore applies to the paths below it, as in git,
// plus .git/info/exclude at the root. Files are read when first needed and re-read once changed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';

export class GitIgnore {
  /** directory (workspace-relative, '' for the root) → its rules, or null when it has none */
  private readonly dirs = new Map<string, Promise<Ignore | null>>();

  constructor(private readonly root: string) {}

  /** Forget a directory's rules after its .gitignore changed (or .git/info/exclude, for the root). */
  changed(rel: string): void {
    if (rel === '.git/info/exclude') return void this.dirs.delete('');
    if (rel === '.gitignore' || rel.endsWith('/.gitignore')) this.dirs.delete(rel.slice(0, -'.gitignore'.length - 1));
  }

  /** True when git would ignore this workspace-relative file (forward slashes). */
  async ignores(rel: string): Promise<boolean> {
    const parts = rel.split('/');
    for (let i = 0; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const rules = await this.rules(dir);
      if (rules?.ignores(parts.slice(i).join('/'))) return true;
    }
    return false;
  }

  private rules(dir: string): Promise<Ignore | null> {
    let p = this.dirs.get(dir);
    if (!p) {
      p = this.load(dir);
      this.dirs.set(dir, p);
    }
    return p;
  }

  private async load(dir: string): Promise<Ignore | null> {
    const files = [join(this.root, dir, '.gitignore')];
    if (dir === '') files.push(join(this.root, '.git', 'info', 'exclude'));
    const texts = await Promise.all(files.map((f) => readFile(f, 'utf8').catch(() => '')));
    const text = texts.join('\n');
    return text.trim() ? ignore().add(text) : null;
  }
}
