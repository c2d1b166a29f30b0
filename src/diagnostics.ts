// Findings → Problems panel: one DiagnosticCollection per agent (the agent is the diagnostic's
// source), replaced per file when a newer run for that file finishes. A finding computed from
// other bytes than the open document now holds (Finding.contentHash vs the sha256 of the text) is
// kept but marked stale, so a user still sees what the last run said while they type; the next
// save replaces it. Also the host's validation issues of agentic_config.yaml, on that file.
import * as vscode from 'vscode';
import type { ConfigIssue, Finding } from '../common/model';
import { agentEntryRange } from './configLocate';

export const CONFIG_FILE = 'agentic_config.yaml';

const STALE_SUFFIX = ' (stale: the file changed since this run)';
const RECHECK_MS = 400;

/** sha256 hex of the text as UTF-8, off the event loop (WebCrypto runs it on the thread pool). */
export async function sha256Hex(text: string): Promise<string> {
  const buf = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Buffer.from(buf).toString('hex');
}

export class Diagnostics implements vscode.Disposable {
  private readonly collections = new Map<string, vscode.DiagnosticCollection>();
  /** uri → agent → the findings the host reported */
  private readonly findings = new Map<string, Map<string, Finding[]>>();
  private readonly configIssues = vscode.languages.createDiagnosticCollection('agentic_config');
  /** findings with no file (file ''), shown on the agent's entry in agentic_config.yaml */
  private readonly taskLevel = vscode.languages.createDiagnosticCollection('agentic:tasks');
  /** config uri → agent → its task-level findings */
  private readonly taskLevelFindings = new Map<string, Map<string, Finding[]>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subs: vscode.Disposable[] = [];

  constructor() {
    this.subs.push(
      vscode.workspace.onDidChangeTextDocument((e) => this.scheduleRecheck(e.document.uri)),
      vscode.workspace.onDidOpenTextDocument((d) => this.scheduleRecheck(d.uri)),
    );
  }

  private collection(agent: string): vscode.DiagnosticCollection {
    let c = this.collections.get(agent);
    if (!c) this.collections.set(agent, (c = vscode.languages.createDiagnosticCollection(`agentic:${agent}`)));
    return c;
  }

  /** A run's findings for the files it covered (an empty list clears that file). */
  setFile(root: vscode.Uri, agent: string, file: string, list: Finding[]): void {
    if (file === '') return this.setTaskLevel(root, agent, list);
    const uri = vscode.Uri.joinPath(root, file);
    const byAgent = this.findings.get(uri.toString()) ?? new Map<string, Finding[]>();
    if (list.length) byAgent.set(agent, list);
    else byAgent.delete(agent);
    if (byAgent.size) this.findings.set(uri.toString(), byAgent);
    else this.findings.delete(uri.toString());
    this.render(uri, agent, list, false);
    if (list.length) this.scheduleRecheck(uri, 0);
  }

  /** Everything the host knows for a folder (on attach): replaces what we showed for it. */
  replaceFolder(root: vscode.Uri, all: Finding[]): void {
    this.clearFolder(root);
    const groups = new Map<string, Finding[]>();
    for (const f of all) {
      const k = JSON.stringify([f.agent, f.file]);
      (groups.get(k) ?? groups.set(k, []).get(k)!).push(f);
    }
    for (const [k, list] of groups) {
      const [agent, file] = JSON.parse(k) as [string, string];
      this.setFile(root, agent, file, list);
    }
  }

  /**
   * Findings that name no file (a build tool's "no project file"): on the agent's entry in the
   * folder's agentic_config.yaml, so they are seen and not dropped. The file is read through the
   * workspace API (async) each time, since the user may have moved the entry.
   */
  private setTaskLevel(root: vscode.Uri, agent: string, list: Finding[]): void {
    const uri = vscode.Uri.joinPath(root, CONFIG_FILE);
    const key = uri.toString();
    const byAgent = this.taskLevelFindings.get(key) ?? new Map<string, Finding[]>();
    if (list.length) byAgent.set(agent, list);
    else byAgent.delete(agent);
    this.taskLevelFindings.set(key, byAgent);
    void this.renderTaskLevel(uri, byAgent).catch(() => undefined);
  }

  private async renderTaskLevel(uri: vscode.Uri, byAgent: Map<string, Finding[]>): Promise<void> {
    let text = '';
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      // no config file (the built-in default): the diagnostics go on line 1 of where it would be
    }
    if (this.taskLevelFindings.get(uri.toString()) !== byAgent) return; // superseded meanwhile
    const diags: vscode.Diagnostic[] = [];
    for (const [agent, list] of byAgent) {
      const at = agentEntryRange(text, agent);
      for (const f of list) {
        const d = toDiagnostic({ ...f, line: at.line + 1, column: at.startCol + 1 }, false);
        d.range = new vscode.Range(at.line, at.startCol, at.line, Math.max(at.endCol, at.startCol + 1));
        d.message = `${f.message} (reported by agent "${agent}" with no file)`;
        diags.push(d);
      }
    }
    if (diags.length) this.taskLevel.set(uri, diags);
    else this.taskLevel.delete(uri);
  }

  /** for tests and the API: the task-level diagnostics of a folder's config file */
  taskLevelFor(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.taskLevel.get(uri) ?? [];
  }

  clearFolder(root: vscode.Uri): void {
    const configKey = vscode.Uri.joinPath(root, CONFIG_FILE).toString();
    if (this.taskLevelFindings.delete(configKey)) this.taskLevel.delete(vscode.Uri.parse(configKey));
    const prefix = root.toString().replace(/\/?$/, '/');
    for (const [key, byAgent] of this.findings) {
      if (!key.startsWith(prefix)) continue;
      for (const agent of byAgent.keys()) this.collection(agent).delete(vscode.Uri.parse(key));
      this.findings.delete(key);
    }
  }

  private render(uri: vscode.Uri, agent: string, list: Finding[], stale: boolean): void {
    this.collection(agent).set(
      uri,
      list.map((f) => toDiagnostic(f, stale)),
    );
  }

  private scheduleRecheck(uri: vscode.Uri, ms = RECHECK_MS): void {
    const key = uri.toString();
    if (!this.findings.has(key)) return;
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.recheck(uri).catch(() => undefined);
      }, ms),
    );
  }

  /** Compares each agent's findings' content hash with the open document's text. */
  private async recheck(uri: vscode.Uri): Promise<void> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const byAgent = this.findings.get(uri.toString());
    if (!doc || !byAgent) return; // a closed file: the run read what is on disk
    const version = doc.version;
    const hash = await sha256Hex(doc.getText());
    if (doc.version !== version || this.findings.get(uri.toString()) !== byAgent) return; // superseded
    for (const [agent, list] of byAgent) {
      const stale = list.some((f) => f.contentHash !== undefined && f.contentHash !== hash);
      this.render(uri, agent, list, stale);
    }
  }

  /** The host's issues with agentic_config.yaml (shown when a reload was refused, and warnings). */
  setConfigIssues(configUri: vscode.Uri, issues: ConfigIssue[]): void {
    if (!issues.length) return this.configIssues.delete(configUri);
    this.configIssues.set(
      configUri,
      issues.map((i) => {
        const line = Math.max(0, (i.line ?? 1) - 1);
        const col = Math.max(0, (i.column ?? 1) - 1);
        const range = new vscode.Range(
          line,
          col,
          i.endLine ? i.endLine - 1 : line,
          i.endColumn ? i.endColumn - 1 : col + 1,
        );
        const d = new vscode.Diagnostic(
          range,
          i.path ? `${i.message} (${i.path})` : i.message,
          i.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error,
        );
        d.source = 'agentic-bg';
        return d;
      }),
    );
  }

  configFor(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.configIssues.get(uri) ?? [];
  }

  /** for tests and the API: the diagnostics of a uri across all agents */
  all(uri: vscode.Uri): vscode.Diagnostic[] {
    return [...this.collections.values()].flatMap((c) => [...(c.get(uri) ?? [])]);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const c of this.collections.values()) c.dispose();
    this.configIssues.dispose();
    this.taskLevel.dispose();
    for (const s of this.subs) s.dispose();
  }
}

function toDiagnostic(f: Finding, stale: boolean): vscode.Diagnostic {
  const line = Math.max(0, f.line - 1);
  const col = Math.max(0, f.column - 1);
  const endLine = f.endLine !== undefined ? Math.max(line, f.endLine - 1) : line;
  const endCol = f.endColumn !== undefined ? Math.max(0, f.endColumn - 1) : col + 1;
  const sev = {
    error: vscode.DiagnosticSeverity.Error,
    warning: vscode.DiagnosticSeverity.Warning,
    info: vscode.DiagnosticSeverity.Information,
    hint: vscode.DiagnosticSeverity.Hint,
  }[f.severity];
  const d = new vscode.Diagnostic(
    new vscode.Range(line, col, endLine, endLine === line && endCol <= col ? col + 1 : endCol),
    stale ? f.message + STALE_SUFFIX : f.message,
    sev,
  );
  d.source = f.agent;
  d.code = f.ruleId;
  return d;
}
