// Where an agent's entry sits in agentic_config.yaml, for diagnostics about the agent rather than
// a file (a SARIF result with no file location). Pure: the text in, a 0-based line and columns
// out. A line scan, not a YAML parse: it only has to find `agents:` under `background:` and the
// agent's key below it, and it must work on a file the user is in the middle of editing.

export interface EntryRange {
  line: number; // 0-based
  startCol: number;
  endCol: number;
}

const indentOf = (s: string): number => s.length - s.trimStart().length;

/** The range of the agent's key (`saa:`), else of `agents:`, else the first line. */
export function agentEntryRange(text: string, agent: string): EntryRange {
  const lines = text.split(/\r?\n/);
  const keyRe = /^(\s*)(["']?)([^"'\s:#][^"':#]*?)\2\s*:(?:\s|$)/;
  let agentsAt = -1;
  let agentsIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const m = keyRe.exec(lines[i]!);
    if (!m) continue;
    const indent = m[1]!.length;
    if (agentsAt === -1) {
      if (m[3] === 'agents' && indent > 0) [agentsAt, agentsIndent] = [i, indent];
      continue;
    }
    if (indent <= agentsIndent) break; // past the agents mapping
    if (m[3] === agent && indent === childIndent(lines, agentsAt, agentsIndent)) {
      return { line: i, startCol: indent, endCol: indent + m[2]!.length * 2 + agent.length };
    }
  }
  if (agentsAt !== -1) return { line: agentsAt, startCol: agentsIndent, endCol: agentsIndent + 'agents'.length };
  return { line: 0, startCol: 0, endCol: Math.max(1, (lines[0] ?? '').length) };
}

/** The indentation of the first key inside the mapping that starts at `at`. */
function childIndent(lines: string[], at: number, parent: number): number {
  for (let i = at + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === '' || l.trimStart().startsWith('#')) continue;
    const n = indentOf(l);
    return n > parent ? n : -1;
  }
  return -1;
}
