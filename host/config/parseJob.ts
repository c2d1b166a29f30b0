// What the host hands the config worker (validator.ts, run by parseWorker.ts): its own file so
// that the host's bundle can name it without pulling in yaml and zod.
export const PARSE_JOB = 'agenticConfigParse';

export interface ParseJob {
  /** undefined: there is no file; the answer is the built-in default */
  text: string | undefined;
  file: string;
}
