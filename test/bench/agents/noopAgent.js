// A persistent agent that does nothing: each agent/runTask is answered at once with no findings.
// Written against the host's SDK (dist/sdk.js, passed in AGENTIC_SDK) as a real agent would be.
const { runAgent } = require(process.env.AGENTIC_SDK);
runAgent({ name: 'bench-noop', version: '1.0.0', heartbeatMs: 0, runTask: () => ({}) });
