// What a user approves before a configured command runs: the argv template, the env
// keys (not their values: those may be secrets and changing a value is not a new command) and the
// cwd. The host hashes this payload with sha256; here only the canonical form, so both sides and
// the tests agree on it. No Node built-ins, no 'vscode'.
// See ARCHITECTURE.md: Invariants, Trust.

/**
 * The canonical JSON that is hashed: [argv template, sorted unique env keys, cwd], plus, for an AI
 * agent, its persona path and prompt template: they decide what a write agent does as much as
 * its argv does, so changing them asks again; plus the sandbox policy of a sandboxed agent.
 * (Without them the payload is unchanged.)
 */
export function approvalPayload(
  argv: readonly string[],
  envKeys: readonly string[],
  cwd: string,
  ai?: { persona?: string; prompt?: string },
  sandbox?: unknown,
): string {
  const keys = [...new Set(envKeys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const base: unknown[] = [[...argv], keys, cwd];
  if ((ai && (ai.persona !== undefined || ai.prompt !== undefined)) || sandbox !== undefined)
    base.push({ persona: ai?.persona ?? null, prompt: ai?.prompt ?? null });
  // the sandbox policy: what the agent may write, read and reach; loosening it asks again
  if (sandbox !== undefined) base.push(sandbox);
  return JSON.stringify(base);
}
