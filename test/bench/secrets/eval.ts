// `npm run secrets:eval`: how well the built-in secrets audit does.
//   1. recall and false positives per kind on the labelled corpus test/fixtures/secrets/kinds/
//      (plus the clean/ fixtures, which must give nothing);
//   2. findings per 1 000 files, files/s, MB/s and peak RSS of the built agent
//      (dist/builtin-secrets.js) on a real-code corpus: this repository's node_modules by default.
// Options: --corpus DIR (instead of node_modules), --runs N (median of N runs, default 3),
// --compare AGENT.js (another build of the agent, run alternately with ours: a before/after under
// the same load). Exits 1 when a goal is missed: recall < 0.9 for a kind, any false positive on
// the corpus, or more than 1 finding per 1 000 real files. Speed is printed, never asserted.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { collectFiles, MAX_FILE_BYTES } from '../../../host/builtin/secretsAgent';
import { scoreKinds } from './kindsCorpus';
import { scanFile } from '../../../host/builtin/secretsAgent';

const ROOT = resolve(__dirname, '..', '..', '..');
const TIME = '/usr/bin/time';
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};

interface Run {
  ms: number;
  /** user + system CPU time of the agent process: steadier than wall time on a busy machine */
  cpuMs: number;
  findings: Array<{ rule: string; where: string; message: string }>;
  rssMiB: number;
}

/** One run of an agent build over `rel` (relative to ROOT), timed from spawn to exit. */
function runAgent(agent: string, rel: string): Promise<Run> {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    // /usr/bin/time gives CPU time and peak RSS for any build, the old one included
    const timed = existsSync(TIME);
    const child = spawn(
      timed ? TIME : process.execPath,
      timed ? ['-f', 'TIME %U %S %M', process.execPath, agent] : [agent],
      {
        cwd: ROOT,
        env: { ...process.env, AGENTIC_TASK: JSON.stringify({ files: [rel], workspace: ROOT }) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0 && code !== 1) return fail(new Error(`${agent} exited ${code}: ${err.slice(-500)}`));
      const log = JSON.parse(out) as {
        runs: Array<{ results: Array<{ ruleId: string; message: { text: string }; locations: any[] }> }>;
      };
      const findings = log.runs[0]!.results.map((r) => {
        const p = r.locations[0].physicalLocation;
        return { rule: r.ruleId, where: `${p.artifactLocation.uri}:${p.region.startLine}`, message: r.message.text };
      });
      const t = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(err);
      const rss = /peak RSS (\d+) MiB/.exec(err);
      done({
        ms,
        findings,
        cpuMs: t ? (Number(t[1]) + Number(t[2])) * 1000 : NaN,
        rssMiB: t ? Math.round(Number(t[3]) / 1024) : rss ? Number(rss[1]) : NaN,
      });
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<number> {
  let failed = false;
  console.log('== labelled corpus: test/fixtures/secrets/kinds');
  console.log('kind                 expected  found  recall  false+');
  let exp = 0;
  let found = 0;
  let fps = 0;
  for (const k of await scoreKinds()) {
    const fp = k.lookalikeHits.length + k.unexpected.length;
    exp += k.expected;
    found += k.found;
    fps += fp;
    if (k.recall < 0.9 || fp > 0) failed = true;
    console.log(
      `${k.kind.padEnd(20)} ${String(k.expected).padStart(8)} ${String(k.found).padStart(6)} ${k.recall.toFixed(2).padStart(7)} ${String(fp).padStart(7)}`,
    );
    for (const m of k.missed) console.log(`  missed ${m.file}:${m.line} ${m.rule}`);
    for (const h of [...k.lookalikeHits, ...k.unexpected])
      console.log(`  false+ ${h.file}:${h.line} ${h.ruleId} ${h.message}`);
  }
  const cleanDir = join(ROOT, 'test', 'fixtures', 'secrets');
  const clean = await collectFiles({ files: ['clean'], workspace: cleanDir });
  const cleanHits = (await Promise.all(clean.map((f) => scanFile(cleanDir, f)))).flatMap((h) => h ?? []);
  fps += cleanHits.length;
  if (cleanHits.length) failed = true;
  console.log(
    `${'clean/ (no secrets)'.padEnd(20)} ${'0'.padStart(8)} ${'0'.padStart(6)} ${'-'.padStart(7)} ${String(cleanHits.length).padStart(7)}`,
  );
  console.log(`total: recall ${(found / exp).toFixed(3)} (${found}/${exp}), false positives ${fps}`);

  const corpus = arg('--corpus') ?? 'node_modules';
  const runs = Number(arg('--runs') ?? 3);
  const ours = join(ROOT, 'dist', 'builtin-secrets.js');
  const other = arg('--compare');
  const files = await collectFiles({ files: [corpus], workspace: ROOT });
  let bytes = 0;
  for (const f of files) {
    const size = statSync(join(ROOT, f)).size;
    if (size <= MAX_FILE_BYTES) bytes += size;
  }
  console.log(
    `\n== real code: ${corpus} (${files.length} files, ${(bytes / 1e6).toFixed(1)} MB), median of ${runs} run(s)`,
  );
  const agents = other ? [ours, resolve(other)] : [ours];
  const results = new Map<string, Run[]>(agents.map((a) => [a, []]));
  for (let i = 0; i < runs; i++) for (const a of agents) results.get(a)!.push(await runAgent(a, corpus));
  for (const a of agents) {
    const rs = results.get(a)!;
    const ms = median(rs.map((r) => r.ms));
    const cpu = median(rs.map((r) => r.cpuMs));
    const n = rs[0]!.findings.length;
    const per1000 = (n / files.length) * 1000;
    const label = a === ours ? 'this build' : a;
    console.log(
      `${label}: ${n} finding(s) = ${per1000.toFixed(2)} per 1 000 files; ${Math.round(files.length / (ms / 1000))} files/s, ` +
        `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s (${(bytes / 1e6 / (cpu / 1000)).toFixed(1)} MB per CPU second), peak RSS ${median(rs.map((r) => r.rssMiB))} MiB (runs: ${rs.map((r) => Math.round(r.ms)).join(', ')} ms)`,
    );
    for (const f of rs[0]!.findings) console.log(`  ${f.where} ${f.rule} ${f.message}`);
    if (a === ours && per1000 > 1) failed = true;
  }
  console.log(failed ? '\nGOALS MISSED' : '\nall goals met');
  return failed ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  },
);
