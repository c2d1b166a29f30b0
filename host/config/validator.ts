// Everything validating agentic_config.yaml needs — zod, yaml and the schema — behind one module
// that the host only ever loads with import() (config/cache.ts). The bundle makes it a file of its
// own, dist/config-validator.js (esbuild.config.mjs): a host starting on a config it has validated
// before never parses these ~1 MB of JavaScript at all, which was most of its start-up time.
// The same file is the script of the worker thread that validates a reload (parseWorker.ts), so
// a large or hostile file never holds the host's event loop.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_CONFIG_FILE, resolveConfig } from '../../common/configSchema';
import { parseConfigText } from './load';
import { PARSE_JOB, type ParseJob } from './parseJob';

export { loadConfigFile, parseConfigText } from './load';
export { DEFAULT_CONFIG_FILE, resolveConfig } from '../../common/configSchema';

const job = (isMainThread ? undefined : workerData) as { [PARSE_JOB]?: ParseJob } | undefined;
if (parentPort && job?.[PARSE_JOB]) {
  const { text, file } = job[PARSE_JOB];
  if (text === undefined) {
    parentPort.postMessage({ ok: true, config: resolveConfig(DEFAULT_CONFIG_FILE), issues: [] });
  } else {
    const r = parseConfigText(text, file);
    // not `raw`: AgenticScrum's other sections ride along in it, and the host would pay for
    // deserializing them on its own thread
    parentPort.postMessage(r.ok ? { ok: true, config: r.config, issues: r.issues } : r);
  }
}
