// One config issue as the line editors and terminals link. Its own file, free of yaml and zod,
// so that the CLI, which prints issues the host sent, does not load either for every command.
import type { ConfigIssue } from '../../common/model';

/** `agentic_config.yaml:12:7: error: <message>`, the shape editors and terminals link. */
export function formatIssue(issue: ConfigIssue, file: string): string {
  const at =
    issue.line === undefined ? '' : issue.column === undefined ? `:${issue.line}` : `:${issue.line}:${issue.column}`;
  return `${file}${at}: ${issue.severity}: ${issue.message}`;
}
