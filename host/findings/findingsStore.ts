// The workspace's current findings: per agent and file, the latest finished run wins. A run over
// given files replaces those files' findings (an empty result clears them); a run over the whole
// workspace (no files) replaces everything that agent had reported.
import type { Finding, TaskInfo } from '../../common/model';

export interface FileFindings {
  file: string;
  findings: Finding[];
}

export class FindingsStore {
  /** agent → file → findings */
  private readonly byAgent = new Map<string, Map<string, Finding[]>>();
  /** agent → file → finishedAt of the run that set them (an older run never overwrites) */
  private readonly setAt = new Map<string, Map<string, string>>();

  /** Applies a finished run; returns the per-file changes to broadcast. */
  apply(task: TaskInfo, findings: Finding[]): FileFindings[] {
    const files = this.byAgent.get(task.agent) ?? new Map<string, Finding[]>();
    const times = this.setAt.get(task.agent) ?? new Map<string, string>();
    this.byAgent.set(task.agent, files);
    this.setAt.set(task.agent, times);
    const at = task.finishedAt ?? task.updatedAt;
    const grouped = new Map<string, Finding[]>();
    for (const f of findings) {
      const list = grouped.get(f.file) ?? [];
      list.push(f);
      grouped.set(f.file, list);
    }
    // the files this run speaks for: the ones it was given, or everything when it scanned all;
    // and always the task-level findings (file ''): the agent's latest run replaces them
    const covered = task.files.length
      ? new Set([...task.files, ...grouped.keys(), ''])
      : new Set([...files.keys(), ...grouped.keys(), '']);
    const changes: FileFindings[] = [];
    for (const file of covered) {
      const prev = times.get(file);
      if (prev && prev > at) continue;
      const next = grouped.get(file) ?? [];
      const had = files.get(file);
      if (next.length) files.set(file, next);
      else files.delete(file);
      times.set(file, at);
      if (next.length || had?.length) changes.push({ file, findings: next });
    }
    return changes;
  }

  /**
   * Replaces one file's findings of an agent without changing which run they belong to (a
   * baseline recorded later withdraws some of them). Returns the change, if any.
   */
  replaceFile(agent: string, file: string, findings: Finding[]): FileFindings | undefined {
    const files = this.byAgent.get(agent) ?? new Map<string, Finding[]>();
    this.byAgent.set(agent, files);
    const had = files.get(file);
    if (findings.length) files.set(file, findings);
    else files.delete(file);
    return findings.length || had?.length ? { file, findings } : undefined;
  }

  list(filter: { file?: string; agent?: string } = {}): Finding[] {
    const out: Finding[] = [];
    for (const [agent, files] of this.byAgent) {
      if (filter.agent && agent !== filter.agent) continue;
      for (const [file, list] of files) if (!filter.file || file === filter.file) out.push(...list);
    }
    return out.sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1));
  }
}
