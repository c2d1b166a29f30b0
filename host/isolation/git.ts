// Running git for write-agent isolation: one async call per command (never a shell), stdout as a
// Buffer or string, a typed error carrying git's own message. Commits made here carry a fixed
// identity so they work where the user has configured none.
import { execFile } from 'node:child_process';

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed${code !== null ? ` (exit ${code})` : ''}: ${stderr.trim() || 'no message'}`);
  }
}

export interface GitOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  input?: Buffer | string;
  /** exit codes that are answers, not failures (e.g. 1 from merge-file: conflicts) */
  okCodes?: number[];
}

const IDENTITY = {
  GIT_AUTHOR_NAME: 'agentic-bg',
  GIT_AUTHOR_EMAIL: 'agentic-bg@localhost',
  GIT_COMMITTER_NAME: 'agentic-bg',
  GIT_COMMITTER_EMAIL: 'agentic-bg@localhost',
};

export function gitRaw(args: string[], o: GitOptions): Promise<{ stdout: Buffer; code: number }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd: o.cwd,
        env: { ...process.env, ...IDENTITY, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...o.env },
        encoding: 'buffer',
        maxBuffer: 512 * 2 ** 20,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        if (!err || (code !== null && o.okCodes?.includes(code))) resolve({ stdout, code: code ?? 0 });
        else reject(new GitError(args, code, stderr.toString('utf8') || err.message));
      },
    );
    if (o.input !== undefined) child.stdin?.end(o.input);
    else child.stdin?.end();
  });
}

export async function git(args: string[], o: GitOptions): Promise<string> {
  return (await gitRaw(args, o)).stdout.toString('utf8');
}

/** git's answer with the trailing newline removed */
export async function gitLine(args: string[], o: GitOptions): Promise<string> {
  return (await git(args, o)).replace(/\n$/, '');
}
