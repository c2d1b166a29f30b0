// The host's on-save machinery wired together: the router (saves reported by clients) and, when
// `background.watch: true` or `--watch`, the workspace watcher feeding the same router. Started and
// re-applied by hostCore on every config load; closed when the host stops.
import { normalize, sep } from 'node:path';
import type { ResolvedConfig } from '../../common/configSchema';
import { SaveRouter, type SaveReport, type SaveRouterDeps } from './saveRouter';
import { watchWorkspace, type ParcelWatcher, type WorkspaceWatcher } from './workspaceWatcher';

export interface WatchState {
  /** watching is asked for (config or --watch) */
  wanted: boolean;
  active: boolean;
  /** why it is not active although wanted */
  error?: string;
}

export class SaveTriggers {
  readonly router: SaveRouter;
  private watcher: WorkspaceWatcher | undefined;
  private starting: Promise<void> | undefined;
  private state: WatchState = { wanted: false, active: false };
  private closed = false;

  constructor(
    private readonly deps: SaveRouterDeps & {
      watchFlag: boolean;
      onStateChange: () => void;
      /** the watcher's native module (default: require('@parcel/watcher')) */
      loadWatcher?: () => ParcelWatcher;
    },
  ) {
    this.router = new SaveRouter(deps);
  }

  get watch(): WatchState {
    return this.state;
  }

  saved(r: SaveReport): Promise<void> {
    return this.router.saved(r);
  }

  /** After every config load: start or stop watching as the config (or --watch) says. */
  async apply(): Promise<void> {
    await this.starting;
    const wanted = !this.closed && (this.deps.watchFlag || this.deps.config().watch);
    if (wanted === this.state.wanted && (!wanted || this.state.active)) return;
    this.starting = wanted ? this.start() : this.stop();
    await this.starting;
  }

  private async start(): Promise<void> {
    const { logger } = this.deps;
    try {
      this.watcher = await watchWorkspace(
        this.deps.workspace,
        (files) => void this.router.saved({ files, source: 'watch' }),
        {
          logger,
          ignored: (rel) => sarifOutputs(this.deps.config()).has(rel),
          busy: (on) => this.router.busy(on),
          ...(this.deps.loadWatcher ? { load: this.deps.loadWatcher } : {}),
        },
      );
      this.state = { wanted: true, active: true };
      logger.info('watching the workspace for saves', { workspace: this.deps.workspace });
    } catch (err) {
      this.state = { wanted: true, active: false, error: (err as Error).message };
      logger.error((err as Error).message);
    }
    this.deps.onStateChange();
  }

  private async stop(): Promise<void> {
    const w = this.watcher;
    this.watcher = undefined;
    this.state = { wanted: false, active: false };
    await w?.close();
    if (w) this.deps.logger.info('stopped watching the workspace');
    this.deps.onStateChange();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.router.close();
    await this.starting;
    await this.watcher?.close();
    this.watcher = undefined;
  }
}

const sarifCache = new WeakMap<ResolvedConfig, Set<string>>();

/** Workspace-relative files agents write their SARIF to: never a save (a loop otherwise). */
function sarifOutputs(config: ResolvedConfig): Set<string> {
  const known = sarifCache.get(config);
  if (known) return known;
  const out = new Set<string>();
  sarifCache.set(config, out);
  for (const a of Object.values(config.agents))
    if (a.output.kind === 'sarif' && a.output.file) out.add(normalize(a.output.file).split(sep).join('/'));
  return out;
}
