// What a save means, decided in the host for every client: files reported saved by a client
// (workspace/didSave) or seen written by the host's own watcher are matched against the `on: save`
// triggers, a save seen twice is dropped, and each trigger's debounce window gathers them into
// submits to the scheduler. The decisions are the pure modules beside this one; this file adds the
// clock, the file system (a save's signature) and the submit.
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ResolvedConfig } from '../../common/configSchema';
import type { SubmitItem } from '../../common/protocol';
import type { Logger } from '../logger';
import { maxWaitMs, SaveBatcher, toSubmitItems } from './saveBatcher';
import { SaveDedupe } from './saveDedupe';
import { TriggerMatcher, type SaveTarget } from './triggerMatcher';

export interface SaveRouterDeps {
  workspace: string;
  config: () => ResolvedConfig;
  /** --restricted: only built-in agents are triggered */
  builtinOnly: boolean;
  submit: (items: SubmitItem[], source: string) => Promise<Array<{ error: string } | object>>;
  logger: Logger;
  now?: () => number;
}

export interface SaveReport {
  /** absolute, or relative to the workspace */
  files: readonly string[];
  /** who saw the save: a client's name, or "watch" */
  source: string;
  /** agents this client's user refused to run (denied approval): not triggered by these saves */
  skipAgents?: readonly string[];
}

export class SaveRouter {
  private matcherFor: { config: ResolvedConfig; m: TriggerMatcher } | undefined;
  private readonly batcher = new SaveBatcher();
  private readonly dedupe = new SaveDedupe();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** reports still being read (stat): windows wait for them (saveBatcher.ts, touch) */
  private inFlight = 0;
  private readonly now: () => number;
  /** saves taken, dropped as repeats, and tasks submitted: for status and tests */
  private readonly counts = { saves: 0, repeats: 0, submitted: 0 };

  constructor(private readonly deps: SaveRouterDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The matcher of the config in force (rebuilt after a reload). */
  matcher(): TriggerMatcher {
    const config = this.deps.config();
    if (this.matcherFor?.config !== config)
      this.matcherFor = {
        config,
        m: new TriggerMatcher(config.triggers, config.agents, { builtinOnly: this.deps.builtinOnly }),
      };
    return this.matcherFor.m;
  }

  /** The targets a file triggers now (triggers/match); undefined for a path outside the workspace. */
  async targets(file: string): Promise<{ rel: string; targets: SaveTarget[] } | undefined> {
    const rel = await this.relative(file);
    return rel === undefined ? undefined : { rel, targets: this.matcher().match(rel) };
  }

  /** Takes a report of saved files; never throws (a bad path is logged and skipped). */
  async saved(r: SaveReport): Promise<void> {
    const skip = new Set(r.skipAgents ?? []);
    this.inFlight++;
    this.batcher.touch(this.now());
    try {
      await Promise.all(r.files.map((f) => this.one(f, r.source, skip)));
    } finally {
      this.inFlight--;
      this.batcher.touch(this.now());
      this.arm();
    }
  }

  /**
   * The watcher is reading events (true) or done (false): meanwhile windows stay open (up to their
   * maxWait), so a checkout whose events take a while to read is still one window.
   */
  busy(on: boolean): void {
    this.inFlight += on ? 1 : -1;
    this.batcher.touch(this.now());
    this.arm();
  }

  private async one(file: string, source: string, skip: ReadonlySet<string>): Promise<void> {
    if (typeof file !== 'string' || !file) {
      this.deps.logger.warn('a saved file must be a non-empty path', { source, file: String(file) });
      return;
    }
    const rel = await this.relative(file);
    if (rel === undefined) {
      this.deps.logger.warn('a saved file outside the workspace is ignored', { source, file });
      return;
    }
    // background.enabled: false takes no tasks: a save is not even looked at
    if (!this.deps.config().enabled) return;
    const targets = this.matcher()
      .match(rel)
      .filter((t) => !skip.has(t.agent));
    if (!targets.length || this.closed) return;
    // the signature of this write: a client's report and the watcher's event of one save agree
    const st = await stat(resolve(this.deps.workspace, rel)).catch(() => undefined);
    if (!st?.isFile()) {
      this.deps.logger.debug('a saved path is not a file (now); nothing to run', { source, file: rel });
      return;
    }
    const now = this.now();
    // recognised again by the same mtime and size for as long as its longest window may stay open
    const windowMs = Math.max(...targets.map((t) => maxWaitMs(t.debounceMs)));
    if (this.dedupe.isRepeat(rel, `${st.mtimeMs}:${st.size}`, now, windowMs)) {
      this.counts.repeats++;
      this.deps.logger.debug('the same save seen again; not triggered twice', { source, file: rel });
      return;
    }
    this.counts.saves++;
    for (const t of targets) this.batcher.add(t, rel, now);
  }

  private async relative(file: string): Promise<string | undefined> {
    const ws = this.deps.workspace;
    const inside = (abs: string): string | undefined => {
      const rel = relative(ws, abs);
      return !rel || rel.startsWith('..') || isAbsolute(rel) ? undefined : rel.split(sep).join('/');
    };
    const abs = resolve(ws, file);
    // the workspace is a real path; a client may name the file through a symlink (/tmp → /private/tmp)
    return inside(abs) ?? inside(await realpath(abs).catch(() => abs));
  }

  private arm(): void {
    const due = this.batcher.nextDue(this.inFlight > 0);
    if (due === undefined || this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), Math.max(0, due - this.now()));
  }

  private flush(): void {
    this.timer = undefined;
    const config = this.deps.config();
    const items = toSubmitItems(
      this.batcher.takeDue(this.now(), this.inFlight > 0),
      (id) => !!config.agents[id]?.batch,
    );
    this.arm();
    if (!items.length) return;
    this.counts.submitted += items.length;
    this.deps
      .submit(items, 'save')
      .then((results) => {
        for (const x of results)
          if ('error' in x) this.deps.logger.warn('a save did not become a task', { error: x.error });
      })
      .catch((err: unknown) => this.deps.logger.error('submitting saves failed', { error: String(err) }));
  }

  /** The counts, and how many (agent, task) windows are still open. */
  stats(): { saves: number; repeats: number; submitted: number; pending: number } {
    return { ...this.counts, pending: this.batcher.size };
  }

  /** Pending windows are dropped: the host is stopping and takes no new tasks. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.batcher.clear();
  }
}
