// On save → `workspace/didSave` to the folder's host, and nothing else: the host matches the
// triggers, debounces, batches and coalesces (host/triggers/), the same for every editor. The save
// handler only records the path (microseconds); the saves of one event-loop turn (Save All) go in
// one notification from setImmediate, and nothing awaits the host on the save path.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from './config';
import type { Log } from './log';
import type { Session } from './session';
import { DidSaveNotification } from '../common/protocol';

/** Workspace-relative path with forward slashes, or undefined outside the folder. */
export function relativePath(s: Session, uri: vscode.Uri): string | undefined {
  if (uri.scheme !== 'file') return undefined;
  const rel = path.relative(s.folder.uri.fsPath, uri.fsPath);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

export class OnSave implements vscode.Disposable {
  private readonly pending = new Map<Session, string[]>();
  private flushing: NodeJS.Immediate | undefined;
  private readonly sub: vscode.Disposable;
  /** files reported to a host so far, newest last (the suite checks what was reported with it) */
  reported: string[] = [];

  constructor(
    private readonly sessionFor: (uri: vscode.Uri) => Session | undefined,
    private readonly log: Log,
    /** agents the user denied in this window: the host is told not to trigger them for our saves */
    private readonly denied: (s: Session) => string[] = () => [],
  ) {
    this.sub = vscode.workspace.onDidSaveTextDocument((doc) => this.saved(doc.uri));
  }

  private saved(uri: vscode.Uri): void {
    if (!readSettings().onSave) return;
    const s = this.sessionFor(uri);
    if (!s || s.client.state !== 'connected') return;
    const rel = relativePath(s, uri);
    if (rel === undefined) return;
    const files = this.pending.get(s);
    if (files) files.push(rel);
    else this.pending.set(s, [rel]);
    this.flushing ??= setImmediate(() => this.flush());
  }

  /** Fire-and-forget: errors go to the log, never to the save. */
  private flush(): void {
    this.flushing = undefined;
    for (const [s, files] of this.pending) {
      const skip = this.denied(s);
      this.reported.push(...files);
      s.client
        .notify(DidSaveNotification.type, { files, ...(skip.length ? { skipAgents: skip } : {}) })
        .catch((err) => this.log.error(`[${s.name}] reporting ${files.length} save(s) failed`, err));
    }
    this.pending.clear();
    if (this.reported.length > 1000) this.reported.splice(0, this.reported.length - 1000);
  }

  forget(s: Session): void {
    this.pending.delete(s);
  }

  dispose(): void {
    this.sub.dispose();
    if (this.flushing) clearImmediate(this.flushing);
    this.pending.clear();
  }
}
