// What the host hands the config worker (validator.ts, run by parseWorker.ts): its own file so
// that the host's bundle can name it without pulling in yaml and zod.
export const PARSE_JOB = 'agenticConfigParse';

export interface ParseJob {
  text: string;
  file: string;
}
