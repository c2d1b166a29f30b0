// Everything validating agentic_config.yaml needs — zod, yaml and the schema — behind one module
// that the host only ever loads with import() (config/cache.ts). The bundle makes it a file of its
// own, dist/config-validator.js (esbuild.config.mjs): a host starting on a config it has validated
// before never parses these ~1 MB of JavaScript at all, which was most of its start-up time.
export { loadConfigFile, parseConfigText } from './load';
export { DEFAULT_CONFIG_FILE, resolveConfig } from '../../common/configSchema';
