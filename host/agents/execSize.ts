// Why Linux refused to start a process with E2BIG, in numbers a user can act on. Pure.
// The kernel's limits: one argument or environment string at most MAX_ARG_STRLEN (32 pages,
// 128 KiB), and all of them together (with their pointers) within a quarter of the stack limit,
// usually 2 MiB.

export const MAX_ARG_STRLEN = 128 * 1024;

export interface ExecSize {
  argBytes: number;
  argCount: number;
  largestArgBytes: number;
  envBytes: number;
  largestEnv?: { name: string; bytes: number };
}

export function measureExec(argv: readonly string[], env: Record<string, string | undefined>): ExecSize {
  let argBytes = 0;
  let largestArgBytes = 0;
  for (const a of argv) {
    const b = Buffer.byteLength(a) + 1;
    argBytes += b;
    if (b > largestArgBytes) largestArgBytes = b;
  }
  let envBytes = 0;
  let largestEnv: ExecSize['largestEnv'];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    const b = Buffer.byteLength(k) + Buffer.byteLength(v) + 2;
    envBytes += b;
    if (!largestEnv || b > largestEnv.bytes) largestEnv = { name: k, bytes: b };
  }
  return { argBytes, argCount: argv.length, largestArgBytes, envBytes, ...(largestEnv ? { largestEnv } : {}) };
}

const kib = (n: number): string => `${Math.ceil(n / 1024)} KiB`;

/** The detail of a task that could not be started: what was too large, and by how much. */
export function tooLargeDetail(s: ExecSize): string {
  const parts = [`${s.argCount} arguments of ${kib(s.argBytes)} (the largest ${kib(s.largestArgBytes)})`];
  parts.push(`an environment of ${kib(s.envBytes)}`);
  if (s.largestEnv && s.largestEnv.bytes > MAX_ARG_STRLEN)
    parts.push(`${s.largestEnv.name} alone ${kib(s.largestEnv.bytes)}`);
  return (
    `the agent cannot be started with this task: Linux refused ${parts.join(' and ')} (E2BIG; ` +
    `at most 128 KiB per argument and about 2 MiB in all)`
  );
}
