#!/usr/bin/env node
// An example persistent agent on the SDK: reports TODO / FIXME / XXX comments in the task's files
// (or, for a task without files, in the workspace's files, skipping dependencies and build output).
//
//   background:
//     agents:
//       todo:
//         command: ["node", "/path/to/agentic-background/examples/agents/todo-agent.js"]
//         persistent: true
//     triggers:
//       - { on: save, files: "**/*.{ts,js,py}", agent: todo }
//
// The host passes the SDK's path in AGENTIC_SDK (dist/sdk.js, vscode-jsonrpc bundled in), so this
// file needs nothing installed. It is started once and answers every task from the same process.
'use strict';
const { readFile, readdir } = require('node:fs/promises');
const { join, relative, isAbsolute } = require('node:path');
const { runAgent } = require(process.env.AGENTIC_SDK || join(__dirname, '..', '..', 'dist', 'sdk.js'));

// TODO: text · FIXME(owner) text · XXX text
const MARKERS = /\b(TODO|FIXME|XXX)\b(?:\([^)]*\))?:?\s*(.*)$/;
const SEVERITY = { FIXME: 'warning', XXX: 'warning', TODO: 'info' };
const SKIP_DIRS = new Set(['node_modules', '.git', '.agentic', 'dist', 'out', 'build']);
const MAX_FILES = 5000;
const MAX_BYTES = 1024 * 1024; // larger files are data, not code

async function* walk(dir, root) {
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) yield* walk(join(dir, e.name), root);
    } else if (e.isFile()) yield relative(root, join(dir, e.name));
  }
}

async function scan(workspace, file) {
  const text = await readFile(isAbsolute(file) ? file : join(workspace, file)).catch(() => undefined);
  if (!text || text.length > MAX_BYTES || text.includes(0)) return []; // gone, too big, or binary
  const findings = [];
  text
    .toString('utf8')
    .split('\n')
    .forEach((line, i) => {
      const m = MARKERS.exec(line);
      if (!m) return;
      findings.push({
        file,
        line: i + 1,
        column: m.index + 1,
        severity: SEVERITY[m[1]],
        ruleId: m[1].toLowerCase(),
        message: `${m[1]}: ${m[2].replace(/\s*(\*\/|-->)\s*$/, '').trim() || '(no text)'}`,
      });
    });
  return findings;
}

runAgent({
  name: 'todo-agent',
  version: '1.0.0',
  async runTask(task, { signal, progress }) {
    const files = [];
    if (task.files.length) files.push(...task.files);
    else for await (const f of walk(task.workspace, task.workspace)) if (files.push(f) >= MAX_FILES) break;
    const findings = [];
    for (const [i, f] of files.entries()) {
      if (signal.aborted) throw new Error('cancelled'); // the host asked us to stop
      findings.push(...(await scan(task.workspace, f)));
      if (i % 100 === 99) progress(`${i + 1}/${files.length} files`, (i + 1) / files.length);
    }
    return { findings };
  },
});
