// status_ms_during_huge_reload: the slowest `host/status` round trip while the host is handed a
// 50 MB agentic_config.yaml (renamed into place, then `config/reload`). Such a file once held the
// host for minutes; now it is refused by size, unread, and a reload under the cap is validated in
// a worker thread, so status must keep answering as usual.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Figure, Mode } from '../lib/figure';
import { BenchHost, configYaml } from '../lib/host';
import * as P from '../../../common/protocol';
import { fmt, median, percentile, round } from '../lib/stats';

export async function configFigures(m: Mode): Promise<Figure[]> {
  const valid = configYaml(2, { noop: { command: ['/bin/true'] } });
  const host = await BenchHost.start(valid);
  try {
    const runs: Array<{ max: number; p99: number; n: number; refused: boolean }> = [];
    for (let rep = 0; rep < (m.quick ? 1 : 3); rep++) {
      const next = join(host.ws, 'next.yaml');
      // written beforehand: this process's own 50 MB write must not count in the round trips
      writeFileSync(next, valid + '\nother:\n' + '  k: v\n'.repeat((50 * 1024 * 1024) / 7));
      const rtts: number[] = [];
      let stop = false;
      const probe = (async () => {
        while (!stop) {
          const t0 = performance.now();
          await host.conn.request(P.StatusRequest.type, {});
          rtts.push(performance.now() - t0);
        }
      })();
      renameSync(next, join(host.ws, 'agentic_config.yaml'));
      // an invalid file is an error answer naming the issues
      const refused = await host.conn.request(P.ReloadConfigRequest.type, {}).then(
        (r) => !r.applied,
        (err: unknown) => /at most 1 MiB/.test(JSON.stringify((err as { data?: unknown }).data ?? String(err))),
      );
      // the watcher sees the rename too: keep probing through its debounce and check
      await new Promise((res) => setTimeout(res, 500));
      stop = true;
      await probe;
      const run = { max: Math.max(...rtts), p99: percentile(rtts, 99), n: rtts.length, refused };
      runs.push(run);
      m.log(
        `  50 MB reload: refused ${run.refused}, status max ${fmt(run.max, 'ms')}, p99 ${fmt(run.p99, 'ms')} over ${run.n}`,
      );
      writeFileSync(join(host.ws, 'agentic_config.yaml'), valid);
    }
    const max = median(runs.map((r) => r.max));
    return [
      {
        key: 'status_ms_during_huge_reload',
        value: round(max, 1),
        measured: `status max ${fmt(max, 'ms')} (median of ${runs.length} runs; p99 ${fmt(median(runs.map((r) => r.p99)), 'ms')})`,
        baseline: runs.every((r) => r.refused) ? 'the 50 MB file refused by size' : 'NOT refused',
        goal: { op: '<=', limit: 100 },
        detail: { runs },
      },
    ];
  } finally {
    await host.stop();
  }
}
