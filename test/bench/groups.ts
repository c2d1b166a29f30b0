// The figure groups, in the order they run. Each group starts what it needs (hosts, redis-server,
// helper processes) and stops it before the next begins, so groups never disturb each other.
import { configFigures } from './figures/config';
import { dispatchFigures } from './figures/dispatch';
import { doctorFigures } from './figures/doctor';
import { isolationFigures } from './figures/isolation';
import { lagFigures } from './figures/lag';
import { limitFigures } from './figures/limits';
import { persistentFigures } from './figures/persistent';
import { queueFigures } from './figures/queue';
import { resourceFigures } from './figures/resources';
import { sandboxFigures } from './figures/sandbox';
import type { Figure, Mode } from './lib/figure';

export const GROUPS: Record<string, (m: Mode) => Promise<Figure[]>> = {
  dispatch: dispatchFigures,
  queue: queueFigures,
  persistent: persistentFigures,
  lag: lagFigures,
  resources: resourceFigures,
  limits: limitFigures,
  doctor: doctorFigures,
  isolation: isolationFigures,
  sandbox: sandboxFigures,
  config: configFigures,
};

/** the keys each group reports: filled with null (and the error) when a group crashes */
export const KEYS: Record<string, string[]> = {
  dispatch: ['dispatch_ratio', 'dispatch_ratio_node', 'start_latency_extra_ms'],
  queue: ['enqueue_durable_ratio', 'queue_vs_bullmq_durable'],
  persistent: ['persistent_vs_bullmq'],
  lag: ['client_lag_p99_ms', 'client_lag_vs_inproc'],
  resources: [
    'host_cold_start_ratio',
    'host_cold_start_ratio_uncached',
    'host_idle_rss_mb_uncached',
    'host_idle_rss_mb',
    'host_idle_cpu_pct',
    'host_open_fds_per_agent',
    'host_load_rss_mb',
    'status_ms_10k_queued',
    'rss_per_queued_task_bytes',
  ],
  limits: ['cpu_limit_error_points', 'memory_kill_latency_ms'],
  doctor: ['doctor_ms'],
  isolation: ['worktree_setup_ms', 'apply_ms'],
  sandbox: ['sandbox_spawn_overhead_ms'],
  config: ['status_ms_during_huge_reload'],
};
