// The `agentic-bg` launcher that "Install 'agentic-bg' Command in PATH" writes into a user bin
// directory: a POSIX shell script that runs the installed extension's CLI with a `node` ≥ 20 from
// PATH, or else with the editor's own runtime (ELECTRON_RUN_AS_NODE=1). An update of the extension
// moves it to a new versioned folder, so the launcher looks for the newest one beside the recorded
// path; once the extension is gone it explains itself instead of failing with a stack trace.

export interface LauncherSpec {
  /** absolute path of dist/cli.js of the extension that writes the launcher */
  cli: string;
  /** the editor's runtime (process.execPath in the extension host) */
  runtime: string;
  /** the folder that holds installed extensions, e.g. ~/.vscode/extensions */
  extensionsDir: string;
  /** the versioned folder name without its version, e.g. `agentic.agentic-background-` */
  folderPrefix: string;
}

/** a shell word that stands for exactly `s` */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const LAUNCHER_MARK = '# agentic-bg launcher written by the Agentic Background extension';

export function launcherScript(o: LauncherSpec): string {
  const q = shellQuote;
  return `#!/bin/sh
${LAUNCHER_MARK} (command: Install 'agentic-bg' Command in PATH).
# It runs the CLI of the installed extension with a node >= 20 from PATH, or the editor's own runtime.
cli=${q(o.cli)}
if [ ! -f "$cli" ]; then
  # the extension was updated (a new versioned folder) or removed: take the newest one installed
  for d in $(ls -d ${q(o.extensionsDir)}/${q(o.folderPrefix)}* 2>/dev/null | sort -r -V); do
    if [ -f "$d/dist/cli.js" ]; then cli="$d/dist/cli.js"; break; fi
  done
fi
if [ ! -f "$cli" ]; then
  echo "agentic-bg: the Agentic Background extension this launcher belongs to is no longer installed" >&2
  echo "  (looked for $cli and ${o.extensionsDir}/${o.folderPrefix}*)." >&2
  echo "  Install the extension and run 'Agentic Background: Install agentic-bg Command in PATH' again," >&2
  echo "  install the CLI with npm (npm install -g agentic-background), or delete $0." >&2
  exit 2
fi
if command -v node >/dev/null 2>&1 && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' >/dev/null 2>&1; then
  exec node "$cli" "$@"
fi
ELECTRON_RUN_AS_NODE=1 exec ${q(o.runtime)} "$cli" "$@"
`;
}
