// The task as an agent receives it: one shape for one-shot and persistent agents, built here only,
// and how a one-shot agent's environment carries it. Linux caps one environment string at 128 KiB
// (and argv + environment at ~2 MiB): a Save All of 3000 files in AGENTIC_TASK made spawn fail
// with E2BIG. Up to INLINE_TASK_BYTES the JSON is in AGENTIC_TASK as it always was; above it the
// whole JSON goes to a file named by AGENTIC_TASK_FILE, and AGENTIC_TASK holds the task without
// its files and params plus `payloadFile` (an agent that reads `files` from it fails loudly
// instead of seeing no files). stdin carries the whole JSON either way.
import type { TaskInfo } from '../../common/model';
import type { TaskPayload } from '../sdk/agentProtocol';

/** Above this many bytes the task JSON goes by file: far below the 128 KiB of one env string. */
export const INLINE_TASK_BYTES = 32 * 1024;

export function taskPayload(task: TaskInfo, attempt: number, workspace: string): TaskPayload {
  return {
    id: task.id,
    agent: task.agent,
    task: task.task,
    files: task.files,
    ...(task.params ? { params: task.params } : {}),
    attempt,
    workspace,
  };
}

/** What AGENTIC_TASK holds when the JSON is in a file. */
export interface TaskPayloadRef {
  id: string;
  agent: string;
  task: string;
  attempt: number;
  workspace: string;
  /** the whole task JSON (also in AGENTIC_TASK_FILE) */
  payloadFile: string;
  fileCount: number;
}

/**
 * The environment entries for the task. `json` is JSON.stringify(payload); `file` is where the
 * caller writes it when `byFile` says so (and removes it after the attempt).
 */
export function taskEnv(
  payload: TaskPayload,
  json: string,
  file: string,
): { env: { AGENTIC_TASK: string; AGENTIC_TASK_FILE?: string }; byFile: boolean } {
  // a string's length is at most its UTF-8 size, and 3× bounds it: measure only when it matters
  if (json.length * 3 <= INLINE_TASK_BYTES || Buffer.byteLength(json) <= INLINE_TASK_BYTES)
    return { env: { AGENTIC_TASK: json }, byFile: false };
  const ref: TaskPayloadRef = {
    id: payload.id,
    agent: payload.agent,
    task: payload.task,
    attempt: payload.attempt,
    workspace: payload.workspace,
    payloadFile: file,
    fileCount: payload.files.length,
  };
  return { env: { AGENTIC_TASK: JSON.stringify(ref), AGENTIC_TASK_FILE: file }, byFile: true };
}
