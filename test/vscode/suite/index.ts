// The entry the extension host loads (extensionTestsPath): mocha (tdd) over the bundled test
// modules of the current mode (AGENTIC_TEST_MODE: trusted | untrusted, set by the harness), ending
// with the plain "N passed, N failed, N skipped" line.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import { monitorEventLoopDelay } from 'perf_hooks';

export function run(): Promise<void> {
  const mode = process.env.AGENTIC_TEST_MODE === 'restricted' ? 'untrusted' : 'trusted';
  const grep = process.env.AGENTIC_TEST_GREP;
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, slow: 5000, ...(grep ? { grep } : {}) });
  // the extension host's event-loop delay over the whole run: the extension must never block it
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  mocha.suite.afterEach(function () {
    console.log(
      `    (event-loop delay so far: max ${(lag.max / 1e6).toFixed(0)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms)`,
    );
  });
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(`.${mode}.test.js`))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const st = runner.stats;
      if (st) console.log(`${st.passes} passed, ${st.failures} failed, ${st.pending} skipped`);
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
  });
}
