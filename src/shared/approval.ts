// What a user approves before a configured command runs (DESIGN §7): the argv template, the env
// keys (not their values: those may be secrets and changing a value is not a new command) and the
// cwd. The host hashes this payload with sha256; here only the canonical form, so both sides and
// the tests agree on it. No Node built-ins, no 'vscode'.

/** The canonical JSON that is hashed: [argv template, sorted unique env keys, cwd]. */
export function approvalPayload(argv: readonly string[], envKeys: readonly string[], cwd: string): string {
  const keys = [...new Set(envKeys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([[...argv], keys, cwd]);
}
