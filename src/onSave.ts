// On save → the configured save triggers → tasks/submitBatch, fire-and-forget. The save handler
// only matches a path and records it (microseconds); submits happen later from a timer when a
// trigger's debounce window closes, and nothing awaits the host on the save path. Coalescing keys
// let the host keep at most one running and one queued task per file (or per batch of files).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from './config';
import type { Log } from './log';
import { SaveBatcher, toSubmitItems, TriggerMatcher } from './saveBatcher';
import type { Session } from './session';
import { SubmitBatchRequest, type SubmitItem } from '../common/protocol';

interface PerSession {
  batcher: SaveBatcher;
  matcher?: { config: unknown; builtinOnly: boolean; m: TriggerMatcher };
  timer?: NodeJS.Timeout;
}

/** Workspace-relative path with forward slashes, or undefined outside the folder. */
export function relativePath(s: Session, uri: vscode.Uri): string | undefined {
  if (uri.scheme !== 'file') return undefined;
  const rel = path.relative(s.folder.uri.fsPath, uri.fsPath);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

export class OnSave implements vscode.Disposable {
  private readonly state = new Map<Session, PerSession>();
  private readonly sub: vscode.Disposable;
  /** items handed to the host so far (the suite checks batching with it) */
  submitted: SubmitItem[] = [];
  /** what the save handler itself costs the editor: saves seen and the slowest handling, ms */
  readonly cost = { saves: 0, maxMs: 0, recentMs: [] as number[], lastAt: 0 };

  constructor(
    private readonly sessionFor: (uri: vscode.Uri) => Session | undefined,
    private readonly trusted: () => boolean,
    private readonly log: Log,
    /** an agent whose command the user denied: its saves are not submitted */
    private readonly denied: (s: Session, agent: string) => boolean = () => false,
  ) {
    this.sub = vscode.workspace.onDidSaveTextDocument((doc) => {
      const t0 = performance.now();
      this.saved(doc.uri);
      this.cost.saves++;
      this.cost.lastAt = Date.now();
      const ms = performance.now() - t0;
      this.cost.maxMs = Math.max(this.cost.maxMs, ms);
      this.cost.recentMs.push(ms);
      if (this.cost.recentMs.length > 100) this.cost.recentMs.shift();
    });
  }

  private per(s: Session): PerSession {
    let p = this.state.get(s);
    if (!p) this.state.set(s, (p = { batcher: new SaveBatcher() }));
    return p;
  }

  /** The matcher for the session's current triggers (rebuilt when they or the trust change). */
  matcher(s: Session): TriggerMatcher | undefined {
    if (!s.config) return undefined;
    const p = this.per(s);
    const builtinOnly = !this.trusted();
    if (p.matcher?.config !== s.config || p.matcher.builtinOnly !== builtinOnly) {
      p.matcher = {
        config: s.config,
        builtinOnly,
        m: new TriggerMatcher(s.config.triggers, s.config.agents, { builtinOnly }),
      };
    }
    return p.matcher.m;
  }

  private saved(uri: vscode.Uri): void {
    if (!readSettings().onSave) return;
    const s = this.sessionFor(uri);
    if (!s || s.client.state !== 'connected') return;
    const rel = relativePath(s, uri);
    const m = rel !== undefined ? this.matcher(s) : undefined;
    if (!m || rel === undefined) return;
    const targets = m.match(rel);
    if (!targets.length) return;
    const p = this.per(s);
    const now = Date.now();
    for (const t of targets) p.batcher.add(t, rel, now);
    this.arm(s, p);
  }

  private arm(s: Session, p: PerSession): void {
    const due = p.batcher.nextDue();
    if (due === undefined) return;
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => this.flush(s, p), Math.max(0, due - Date.now()));
  }

  private flush(s: Session, p: PerSession): void {
    p.timer = undefined;
    const batches = p.batcher.takeDue(Date.now());
    const batchAgents = new Set((s.config?.agents ?? []).filter((a) => a.batch).map((a) => a.id));
    const items = toSubmitItems(batches, (id) => batchAgents.has(id)).filter((i) => !this.denied(s, i.agent));
    this.arm(s, p);
    if (items.length) this.submit(s, items, 'vscode-save');
  }

  /** Fire-and-forget: errors go to the log, never to the save. */
  submit(s: Session, items: SubmitItem[], source: string): void {
    this.submitted.push(...items);
    if (this.submitted.length > 1000) this.submitted.splice(0, this.submitted.length - 1000);
    s.client
      .request(SubmitBatchRequest.type, { items, source })
      .then((r) => {
        for (const x of r.results) if ('error' in x) this.log.warn(`[${s.name}] not submitted: ${x.error}`);
      })
      .catch((err) => this.log.error(`[${s.name}] submitting ${items.length} task(s) failed`, err));
  }

  forget(s: Session): void {
    const p = this.state.get(s);
    if (p?.timer) clearTimeout(p.timer);
    this.state.delete(s);
  }

  dispose(): void {
    this.sub.dispose();
    for (const p of this.state.values()) if (p.timer) clearTimeout(p.timer);
    this.state.clear();
  }
}
