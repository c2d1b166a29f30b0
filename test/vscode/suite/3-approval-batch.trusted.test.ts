// A configured command: held for approval (argv, env keys, cwd shown) and asked again when its
// hash changes; then Save All of 20 files into a `batch: true` agent is one task; a long task makes
// the status bar busy and is cancelled from the Tasks view; a task's log opens from its row.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { AgenticTestApi } from '../../../src/api';
import type { Session } from '../../../src/session';
import { StatusRequest, type SubmitRequest } from '../../../common/protocol';
import { setOnSave } from '../../../src/config';
import type { TaskNode } from '../../../src/views/tasksView';
import {
  BASE_CONFIG,
  connectedSession,
  fileUri,
  getApi,
  idle,
  sleep,
  tasks,
  waitFor,
  withSlow,
  writeConfig,
} from '../lib/helpers';

function taskNode(api: AgenticTestApi, id: string): TaskNode | undefined {
  for (const g of api.tasksView.getChildren())
    for (const t of api.tasksView.getChildren(g)) if (t.kind === 'task' && t.task.id === id) return t;
  return undefined;
}

suite('approval, batching, cancel', () => {
  let api: AgenticTestApi;
  let s: Session;
  const prompts: Array<{ id: string; detail: string }> = [];
  let answer: 'approve' | 'deny' = 'approve';

  suiteSetup(async () => {
    api = await getApi();
    s = await connectedSession(api);
    api.setApprovalPrompt(async (a, detail) => {
      prompts.push({ id: a.id, detail });
      return answer;
    });
  });

  test('a configured command waits for approval; the prompt shows argv, env keys and cwd', async () => {
    await writeConfig(s, withSlow());
    await waitFor('the approval prompt', () => prompts.length >= 1);
    const p = prompts[0]!;
    assert.strictEqual(p.id, 'slow');
    assert.ok(p.detail.includes('argv: ["node","tools/slow-agent.js","${files}"]'), p.detail);
    assert.ok(p.detail.includes('env keys: (none)'), p.detail);
    assert.ok(p.detail.includes(`cwd: ${s.root}`), p.detail);
    await waitFor('slow approved', () => s.agents.find((a) => a.id === 'slow')?.approved === true);
  });

  test('a change of its env keys asks again before it runs', async () => {
    const hash = s.agents.find((a) => a.id === 'slow')!.approvalHash;
    await writeConfig(s, withSlow(['API_MODE']));
    await waitFor('a second prompt', () => prompts.length >= 2);
    assert.match(prompts[1]!.detail, /changed since you approved/);
    assert.match(prompts[1]!.detail, /env keys: API_MODE/);
    const a = await waitFor('slow approved again', () => s.agents.find((x) => x.id === 'slow' && x.approved === true));
    assert.notStrictEqual(a.approvalHash, hash);
  });

  test('saving one file 20 times in 2 s runs its agent at most twice (host coalescing)', async function () {
    this.timeout(120_000);
    const uri = fileUri('hot/hot.txt');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('x\n'));
    await idle(s);
    const before = new Set((await tasks(s, 'slow')).map((t) => t.id));
    const submitted0 = (await s.client.request(StatusRequest.type, {})).saves!.submitted;
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const reported0 = api.reportedSaves().length;
    // a user typing and pressing Ctrl+S every 100 ms: the next keystroke does not wait for the write
    const pending: Thenable<boolean>[] = [];
    const t0 = Date.now();
    let lastSaved = t0;
    for (let i = 0; i < 20; i++) {
      await editor.edit((e) => e.insert(new vscode.Position(1, 0), `${i}\n`));
      pending.push(doc.save().then((ok) => ((lastSaved = Math.max(lastSaved, Date.now())), ok)));
      await sleep(Math.max(0, t0 + (i + 1) * 100 - Date.now()));
    }
    await Promise.all(pending);
    const burst = lastSaved - t0; // measured here, from outside the extension
    const reported = api
      .reportedSaves()
      .slice(reported0)
      .filter((f) => f === 'hot/hot.txt').length;
    // the hot trigger's debounce is 0: every save the host takes is a submit of its own
    const st = await waitFor('the host to submit the saves', async () => {
      const x = await s.client.request(StatusRequest.type, {});
      return x.saves!.pending === 0 && x.saves!.submitted > submitted0 ? x : undefined;
    });
    await idle(s, 60_000);
    const submits = (await s.client.request(StatusRequest.type, {})).saves!.submitted - submitted0;
    const runs = (await tasks(s, 'slow')).filter((t) => !before.has(t.id) && t.files.includes('hot/hot.txt'));
    console.log(
      `    20 saves in ${burst} ms; ${reported} reported; ${submits} submit(s) in the host → ${runs.length} run(s) of an 8 s agent`,
    );
    // the premise of the bound: the whole burst fits in one run of the agent
    assert.ok(burst < 8000, `the 20 saves took ${burst} ms, longer than one 8 s run`);
    assert.ok(st && reported >= 2, `${reported} save(s) reported`);
    // the host's queue really coalesced: several submits of one key, at most one running + one queued
    assert.ok(submits >= 2, `${submits} submit(s): the host had nothing to coalesce`);
    assert.ok(runs.length >= 1 && runs.length <= 2, `${runs.length} runs for ${submits} submits`);
    assert.ok(runs.every((t) => t.state === 'succeeded'));
  });

  test('the save handler adds no noticeable latency to a save (measured from outside, A/B)', async function () {
    this.timeout(120_000);
    // saves of a file no trigger names, timed by this test: reporting on (the handler records the
    // path; the host is told after the save) against reporting off, interleaved. The end of a save
    // is this test's own onDidSaveTextDocument listener: registered after the extension's, it runs
    // once the extension's handler has returned (listeners run in order, on this thread).
    const uri = fileUri('notes/latency.txt');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('x\n'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    let seen: ((t: number) => void) | undefined;
    const sub = vscode.workspace.onDidSaveTextDocument((d) => {
      if (d.uri.toString() === uri.toString()) seen?.(performance.now());
    });
    const time = async (): Promise<number> => {
      await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'y'));
      const handled = new Promise<number>((r) => (seen = r));
      const t = performance.now();
      assert.ok(await doc.save());
      return (await handled) - t;
    };
    const on: number[] = [];
    const off: number[] = [];
    const reported0 = api.reportedSaves().length;
    try {
      // blocks of 8, A B B A …: a settings change reloads VS Code's configuration, so each block
      // starts with a save that is not counted
      for (const reporting of [true, false, false, true, true, false, false, true]) {
        await setOnSave(reporting);
        await time();
        for (let i = 0; i < 8; i++) (reporting ? on : off).push(await time());
      }
    } finally {
      sub.dispose();
      await setOnSave(true);
    }
    const q = (xs: number[], f: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * f)]!;
    const reported = api
      .reportedSaves()
      .slice(reported0)
      .filter((f) => f === 'notes/latency.txt').length;
    console.log(
      `    save → handled, min / median: ${q(on, 0).toFixed(1)} / ${q(on, 0.5).toFixed(1)} ms reporting, ` +
        `${q(off, 0).toFixed(1)} / ${q(off, 0.5).toFixed(1)} ms not (${reported} reported)`,
    );
    assert.strictEqual(reported, 36, 'every save with reporting on was reported, none with it off');
    // a fixed cost in the handler (sync I/O, waiting on anything) shows in every save, the fastest
    // too; the fastest save of each arm is what a loaded machine's noise moves least. The bound is
    // above that noise (5.4 ms seen once in CI) and below a 10 ms cost, which fails it.
    const added = q(on, 0) - q(off, 0);
    assert.ok(added < 8, `reporting adds ${added.toFixed(2)} ms to the fastest save`);
  });

  test('Save All of 20 files gives one task with all of them to a batch agent', async function () {
    const uris = Array.from({ length: 20 }, (_, i) => fileUri(`batch/f${String(i).padStart(2, '0')}.txt`));
    this.timeout(180_000);
    for (const u of uris) await vscode.workspace.fs.writeFile(u, new TextEncoder().encode('v1\n'));
    await idle(s);
    const before = new Set((await tasks(s, 'slow')).map((t) => t.id));
    // 20 modified files open in editors (Save All saves dirty editors), then Save All
    const docs = await Promise.all(uris.map((u) => vscode.workspace.openTextDocument(u)));
    const edit = new vscode.WorkspaceEdit();
    for (const u of uris) edit.insert(u, new vscode.Position(0, 0), 'v2 ');
    assert.ok(await vscode.workspace.applyEdit(edit));
    for (const d of docs) await vscode.window.showTextDocument(d, { preview: false, preserveFocus: true });
    assert.ok(
      docs.every((d) => d.isDirty),
      `dirty: ${docs.filter((d) => d.isDirty).length}`,
    );
    await vscode.commands.executeCommand('workbench.action.files.saveAll');
    await waitFor('all 20 saved', () => docs.every((d) => !d.isDirty), 60_000);
    await waitFor(
      'the batch task to finish',
      async () => (await tasks(s, 'slow')).some((t) => !before.has(t.id) && t.state === 'succeeded'),
      60_000,
    );
    // nothing else trickles in: every window the host had open is closed and run
    await waitFor(
      'no save window open',
      async () => (await s.client.request(StatusRequest.type, {})).saves!.pending === 0,
    );
    await idle(s);
    const runs = (await tasks(s, 'slow')).filter((t) => !before.has(t.id));
    assert.strictEqual(runs.length, 1, `tasks: ${JSON.stringify(runs.map((t) => t.files.length))}`);
    assert.strictEqual(runs[0]!.files.length, 20);
    const node = await waitFor('its row in the Tasks view', () => taskNode(api, runs[0]!.id));
    assert.strictEqual(api.tasksView.getTreeItem(node).contextValue, 'task.succeeded.log');
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('agenticBackground.openTaskLog', node);
    assert.ok(doc?.getText().includes('slow-agent: 20 file(s)'), doc?.getText());
  });

  test('a long task makes the status bar busy and is cancelled from the Tasks view', async () => {
    const r = await vscode.commands.executeCommand<SubmitRequest.Result>('agenticBackground.submitTask', {
      agent: 'slow',
      task: 'long',
      files: [],
      params: { sleepMs: 60_000 },
    });
    assert.ok(r?.taskId, 'submitted');
    await waitFor('a busy status bar', () => /Agentic: 1 running · 0 queued/.test(api.statusBarText()), 15_000);
    const node = await waitFor('the running row', () => {
      const n = taskNode(api, r.taskId);
      return n?.kind === 'task' && n.task.state === 'running' ? n : undefined;
    });
    const item = api.tasksView.getTreeItem(node);
    assert.strictEqual(item.contextValue, 'task.running.log', 'inline cancel and log apply');
    await vscode.commands.executeCommand('agenticBackground.cancelTask', node);
    await waitFor('the task cancelled', () => s.tasks.get(r.taskId)?.state === 'cancelled');
    const groups = api.tasksView
      .getChildren()
      .filter((g) => g.kind === 'group')
      .map((g) => (g.kind === 'group' ? g.group.state : ''));
    await waitFor('a Cancelled group', () =>
      api.tasksView.getChildren().some((g) => g.kind === 'group' && g.group.state === 'cancelled'),
    );
    await waitFor('the status bar idle again', () => api.statusBarText().includes('Agentic: idle'));
    console.log(`groups: ${groups.join(', ')}`);
  });

  test('a denied command stays held, the status bar says so, and saves do not trigger it', async function () {
    this.timeout(90_000);
    answer = 'deny';
    const n = prompts.length;
    await writeConfig(s, withSlow(['API_MODE', 'OTHER']));
    await waitFor('a third prompt', () => prompts.length > n);
    await waitFor('slow held', () => s.agents.find((a) => a.id === 'slow')?.approved === false);
    await waitFor('the status bar to say so', () => /1 awaiting approval/.test(api.statusBarText()));
    await idle(s);
    const before = new Set((await tasks(s, 'slow')).map((t) => t.id));
    const taken0 = (await s.client.request(StatusRequest.type, {})).saves!.saves;
    const doc = await vscode.workspace.openTextDocument(fileUri('batch/f00.txt'));
    const ed = await vscode.window.showTextDocument(doc);
    await ed.edit((e) => e.insert(new vscode.Position(0, 0), 'v3 '));
    assert.ok(await doc.save());
    // then a save the host does take (the built-in audit): once it is taken and run, the one
    // before it, on the same connection, has been decided too
    const marker = fileUri('src/marker.txt');
    await vscode.workspace.fs.writeFile(marker, new TextEncoder().encode('m\n'));
    const src = await vscode.window.showTextDocument(marker);
    await src.edit((e) => e.insert(new vscode.Position(0, 0), 'v3 '));
    assert.ok(await src.document.save());
    await waitFor('the host to take the second save and close its window', async () => {
      const x = await s.client.request(StatusRequest.type, {});
      return x.saves!.saves > taken0 && x.saves!.pending === 0;
    });
    await idle(s);
    assert.deepEqual(
      (await tasks(s, 'slow')).filter((t) => !before.has(t.id)),
      [],
    );
    assert.strictEqual((await s.client.request(StatusRequest.type, {})).saves!.saves, taken0 + 1);
    answer = 'approve';
  });

  test('with the host watching the workspace too, a save in VS Code runs its trigger once', async function () {
    this.timeout(90_000);
    await writeConfig(s, BASE_CONFIG.replace('  retry_attempts: 0', '  retry_attempts: 0\n  watch: true'));
    await waitFor('the host to watch', async () => (await s.client.request(StatusRequest.type, {})).watch?.active);
    await idle(s);
    const before = new Set((await tasks(s, 'saa')).map((t) => t.id));
    const st0 = (await s.client.request(StatusRequest.type, {})).saves!;
    const uri = fileUri('src/watched.txt');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('w\n'));
    // the write above is the watcher's alone: wait until it has run, then save in the editor
    await waitFor('the watched write to run', async () => {
      const x = (await s.client.request(StatusRequest.type, {})).saves!;
      return x.saves > st0.saves && x.pending === 0;
    });
    await idle(s);
    const st1 = (await s.client.request(StatusRequest.type, {})).saves!;
    const editor = await vscode.window.showTextDocument(uri);
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'saved '));
    assert.ok(await editor.document.save());
    // reported by the extension and seen by the watcher: one of the two is dropped as the same save
    const st2 = await waitFor('the save seen both ways', async () => {
      const x = (await s.client.request(StatusRequest.type, {})).saves!;
      return x.repeats > st1.repeats && x.saves > st1.saves && x.pending === 0 ? x : undefined;
    });
    await idle(s);
    const runs = (await tasks(s, 'saa')).filter((t) => !before.has(t.id) && t.files.includes('src/watched.txt'));
    console.log(`    saves ${st2.saves - st0.saves}, repeats ${st2.repeats - st1.repeats} → ${runs.length} run(s)`);
    // the claim: one run for the watched write, one for the editor save (not one per sighting). How
    // many sightings the watcher makes of one editor save depends on how the editor writes it (an
    // intermediate size can be a sighting of its own); the report and the watcher's sighting of
    // the final file are the same save (repeats, waited for above).
    assert.strictEqual(runs.length, 2, 'one run for the watched write, one for the editor save');
    await writeConfig(s, BASE_CONFIG);
  });
});
