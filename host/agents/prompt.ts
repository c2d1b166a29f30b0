// The prompt of an AI agent (claude -p, codex exec, aider --message, …): the host renders the
// agent's persona file and prompt template for each task, and the argv gets it as ${prompt} (one
// argument) or ${prompt_file} (the path of a file holding it, for CLIs that read one and for
// prompts too long for one argument).
//
// Template variables, written like the argv's: ${persona} (the persona file's text), ${task},
// ${agent}, ${files} (joined with ", "), ${file} (the first), ${params} (the task's params as
// JSON), ${params.NAME} (one param: a string as is, anything else as JSON), ${workspace}.
// Unknown ${x} is left as written; $${ is a literal ${.
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { AgentConfig } from '../../common/configSchema';
import type { TaskInfo } from '../../common/model';

export interface PromptInput {
  /** the persona file's text, if the agent has one */
  persona?: string;
  agent: string;
  task: string;
  files: string[];
  params?: Record<string, unknown>;
  workspace: string;
}

/** Linux's MAX_ARG_STRLEN: no single argv element may be longer (E2BIG). */
export const MAX_ARG_BYTES = 128 * 1024 - 1;

const TOKEN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;

/**
 * Renders the prompt. Without a template: the persona, then the task, its files and params, one
 * per paragraph. With one: the template as written, and the persona put first unless the template
 * places ${persona} itself (a persona is configured to be read, not to be forgotten).
 */
export function renderPrompt(template: string | undefined, v: PromptInput): string {
  const persona = v.persona?.trimEnd();
  if (template === undefined) {
    const parts = [persona, `Task: ${v.task}`];
    if (v.files.length) parts.push(`Files:\n${v.files.map((f) => `- ${f}`).join('\n')}`);
    if (v.params && Object.keys(v.params).length) parts.push(`Parameters: ${JSON.stringify(v.params)}`);
    return parts.filter((p) => p !== undefined && p !== '').join('\n\n');
  }
  let placed = false;
  const lookup = (name: string): string | undefined => {
    switch (name) {
      case 'persona':
        placed = true;
        return persona ?? '';
      case 'task':
        return v.task;
      case 'agent':
        return v.agent;
      case 'files':
        return v.files.join(', ');
      case 'file':
        return v.files[0] ?? '';
      case 'params':
        return JSON.stringify(v.params ?? {});
      case 'workspace':
        return v.workspace;
    }
    if (name.startsWith('params.')) {
      const key = name.slice('params.'.length);
      if (!v.params || !Object.hasOwn(v.params, key)) return '';
      const val = v.params[key];
      return typeof val === 'string' ? val : JSON.stringify(val);
    }
    return undefined;
  };
  const body = template.replace(TOKEN, (match: string, name: string | undefined) => {
    if (name === undefined) return '${';
    return lookup(name) ?? match;
  });
  return persona && !placed ? `${persona}\n\n${body}` : body;
}

/** true when an argv template uses `${name}` (so the host only renders what is asked for). */
export function argvUses(argv: readonly string[], name: string): boolean {
  const needle = `\${${name}}`;
  return argv.some((a) => a.split('$${').some((part) => part.includes(needle)));
}

/** Reads the persona file (relative to the workspace); the error names the file and why. */
export async function readPersona(workspace: string, file: string): Promise<{ text: string } | { error: string }> {
  const path = isAbsolute(file) ? file : join(workspace, file);
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : e.message;
    return { error: `cannot read the persona file ${file}: ${why}` };
  }
}

/** An AI agent's ${prompt} and ${prompt_file} for one task, or why they cannot be made (a usage error). */
export async function promptVars(
  agent: AgentConfig,
  task: Pick<TaskInfo, 'id' | 'task' | 'files' | 'params'>,
  workspace: string,
  taskLogsDir: string,
): Promise<{ vars: Record<string, string> } | { error: string }> {
  let persona: string | undefined;
  if (agent.persona) {
    const r = await readPersona(workspace, agent.persona);
    if ('error' in r) return r;
    persona = r.text;
  }
  const prompt = renderPrompt(agent.prompt, {
    ...(persona !== undefined ? { persona } : {}),
    agent: agent.id,
    task: task.task,
    files: task.files,
    ...(task.params ? { params: task.params } : {}),
    workspace,
  });
  const argv = agent.command ?? [];
  const vars: Record<string, string> = { prompt };
  if (argvUses(argv, 'prompt') && Buffer.byteLength(prompt) > MAX_ARG_BYTES) {
    return {
      error: `the prompt is ${Math.ceil(Buffer.byteLength(prompt) / 1024)} KiB, more than one argument can hold (128 KiB): pass \${prompt_file} instead of \${prompt}`,
    };
  }
  if (argvUses(argv, 'prompt_file')) {
    vars.prompt_file = join(taskLogsDir, `${task.id}.prompt.md`);
    await writeFile(vars.prompt_file, prompt, { mode: 0o600 });
  }
  return { vars };
}
