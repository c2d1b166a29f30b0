// The host's side of baselines: reads .agentic/baseline.json (re-read when it changes on disk, so
// a hand-edited or copied-in file applies without a restart), filters a finished run for agents
// with `baseline: true`, and records a new baseline from what the agents currently find.
//
// Recording needs every current finding, also the ones the old baseline hides, or re-recording
// would drop them and they would come back as "new". So the host remembers the hidden findings of
// each run since it started (latest run per agent and file, like the visible ones); for files no
// run has covered since the start, the old file's entries are carried over as they are.
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ResolvedConfig } from '../../common/configSchema';
import type { Finding, TaskInfo } from '../../common/model';
import type { Logger } from '../logger';
import { filterNew, parseBaseline, serializeBaseline, toEntry, type BaselineEntry } from './baseline';
import { FindingsStore, type FileFindings } from './findingsStore';

type Loaded = { entries: BaselineEntry[] } | { missing: true } | { error: string };

export interface FilterResult {
  fresh: Finding[];
  baselined: Finding[];
  /** why nothing could be filtered, for the task's detail */
  note?: string;
}

export interface RecordResult {
  file: string;
  agents: Record<string, number>;
  total: number;
}

export class Baselines {
  /** baselined findings of the runs finished since the host started */
  private readonly hidden = new FindingsStore();
  /** per agent, the files some run covered since the start ('all': a whole-workspace run) */
  private readonly covered = new Map<string, Set<string> | 'all'>();
  private cache: { key: string; loaded: Loaded } | undefined;
  /** recordings one after the other: two at once would race on the temp file */
  private recording: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {}

  async load(): Promise<Loaded> {
    let key: string;
    try {
      const s = await stat(this.file);
      key = `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      this.cache = undefined;
      return { missing: true };
    }
    if (this.cache?.key === key) return this.cache.loaded;
    const loaded = await readFile(this.file, 'utf8').then(parseBaseline, (e: Error) => ({ error: e.message }));
    if ('error' in loaded)
      this.logger.error(`${this.file} is unusable; agents with baseline: true report every finding`, {
        error: loaded.error,
      });
    this.cache = { key, loaded };
    return loaded;
  }

  /** A finished run's findings → the new ones and the ones the baseline accepts. */
  async filter(agent: string, findings: Finding[]): Promise<FilterResult> {
    const b = await this.load();
    if ('missing' in b)
      return {
        fresh: findings,
        baselined: [],
        note: 'no baseline recorded yet (agentic-bg baseline): every finding is reported',
      };
    if ('error' in b) return { fresh: findings, baselined: [], note: `baseline ignored, ${this.file}: ${b.error}` };
    return filterNew(findings, b.entries, agent);
  }

  /** Called with every successful run (after the visible findings were applied). */
  noteRun(task: TaskInfo, visible: Finding[], baselined: Finding[]): void {
    this.hidden.apply(task, baselined);
    if (task.files.length === 0) {
      this.covered.set(task.agent, 'all');
      return;
    }
    let set = this.covered.get(task.agent);
    if (set === 'all') return;
    set ??= new Set();
    for (const f of task.files) set.add(f);
    for (const f of visible) set.add(f.file);
    for (const f of baselined) set.add(f.file);
    this.covered.set(task.agent, set);
  }

  private isCovered(agent: string, file: string): boolean {
    const c = this.covered.get(agent);
    return c === 'all' || (c?.has(file) ?? false);
  }

  /** Writes the baseline from the current findings; with `agent`, only that agent's entries change. */
  record(visible: FindingsStore, cfg: ResolvedConfig, agent?: string): Promise<RecordResult> {
    const r = this.recording.then(() => this.doRecord(visible, cfg, agent));
    this.recording = r.catch(() => undefined);
    return r;
  }

  private async doRecord(visible: FindingsStore, cfg: ResolvedConfig, agent?: string): Promise<RecordResult> {
    const old = await this.load();
    const oldEntries = 'entries' in old ? old.entries : [];
    const scope = agent
      ? new Set([agent])
      : new Set([...visible.list(), ...this.hidden.list(), ...oldEntries].map((x) => x.agent));
    const entries = oldEntries.filter((e) => !scope.has(e.agent));
    for (const a of scope) {
      entries.push(...visible.list({ agent: a }).map(toEntry));
      if (!cfg.agents[a]?.baseline) continue; // its visible findings are all it found
      entries.push(...this.hidden.list({ agent: a }).map(toEntry));
      entries.push(...oldEntries.filter((e) => e.agent === a && !this.isCovered(a, e.file)));
    }
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, serializeBaseline(entries, new Date()), { mode: 0o600 });
    await rename(tmp, this.file); // readers see the old file or the new one, never half of one
    this.cache = undefined;
    const agents: Record<string, number> = {};
    for (const e of entries) agents[e.agent] = (agents[e.agent] ?? 0) + 1;
    this.logger.info('baseline recorded', { file: this.file, agents });
    return { file: this.file, agents, total: entries.length };
  }

  /**
   * Withdraws the visible findings of `baseline: true` agents that the baseline now accepts: after
   * recording one, and at start (the findings rebuilt from the task history predate it).
   */
  async refilter(
    visible: FindingsStore,
    cfg: ResolvedConfig,
  ): Promise<Array<{ agent: string; files: FileFindings[] }>> {
    const b = await this.load();
    if (!('entries' in b)) return [];
    const out: Array<{ agent: string; files: FileFindings[] }> = [];
    for (const a of Object.values(cfg.agents)) {
      if (!a.baseline) continue;
      const shown = visible.list({ agent: a.id });
      // hidden ones first: they already use up their entries
      const { baselined } = filterNew([...this.hidden.list({ agent: a.id }), ...shown], b.entries, a.id);
      const shownSet = new Set(shown);
      const moved = new Set(baselined.filter((f) => shownSet.has(f)));
      if (moved.size === 0) continue;
      const files: FileFindings[] = [];
      for (const file of new Set([...moved].map((f) => f.file))) {
        const change = visible.replaceFile(
          a.id,
          file,
          shown.filter((f) => f.file === file && !moved.has(f)),
        );
        if (change) files.push(change);
        // a covered file's hidden findings are what the next recording reads; an uncovered one's
        // are carried over from the file, which holds these already
        if (this.isCovered(a.id, file)) {
          const nowHidden = [...this.hidden.list({ agent: a.id, file }), ...[...moved].filter((f) => f.file === file)];
          this.hidden.replaceFile(a.id, file, nowHidden);
        }
      }
      out.push({ agent: a.id, files });
    }
    return out;
  }
}
