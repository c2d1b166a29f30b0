// A SARIF run's invocations: what the tool says about its own run. ESLint, for one, reports a file
// it could not parse as an error-level toolExecutionNotification with `executionSuccessful: false`
// rather than as a result, so reading only `results` would report that file as clean.
//   - an error- or warning-level notification becomes a finding on the file it names, or a
//     task-level finding (file '') when it names none (rule: the notification's descriptor or
//     associated rule, else "tool-notification"); notes are left out;
//   - `executionSuccessful: false` marks the run as unsuccessful (the caller puts it in the detail).
import type { Severity } from '../../common/model';
import { asObject, optArray, optBoolean, optEnum, optObject, optString, ShapeError, type Json } from './check';
import type { RawFinding } from './finding';
import { primaryPlace, type RunScope } from './sarifLocation';

const LEVELS = ['error', 'warning', 'note', 'none'] as const;
const LEVEL_SEVERITY: Record<(typeof LEVELS)[number], Severity> = {
  error: 'error',
  warning: 'warning',
  note: 'info',
  none: 'hint',
};
const KINDS = ['toolExecutionNotifications', 'toolConfigurationNotifications'] as const;

/**
 * Adds the findings the invocations of `run` report to `findings`; returns a description when an
 * invocation says the tool's run did not succeed. A malformed notification is a warning only.
 */
export function readInvocations(
  run: RunScope,
  runObj: Json,
  findings: RawFinding[],
  warn: (msg: string) => void,
): string | undefined {
  const invocations = optArray(runObj.invocations, `${run.path}.invocations`) ?? [];
  let failed: string | undefined;
  invocations.forEach((inv, i) => {
    const ipath = `${run.path}.invocations[${i}]`;
    try {
      const o = asObject(inv, ipath);
      let firstError: string | undefined;
      for (const kind of KINDS) {
        (optArray(o[kind], `${ipath}.${kind}`) ?? []).forEach((n, k) => {
          const npath = `${ipath}.${kind}[${k}]`;
          try {
            const msg = readNotification(run, asObject(n, npath), npath, findings);
            if (msg && firstError === undefined) firstError = msg;
          } catch (e) {
            if (!(e instanceof ShapeError)) throw e;
            warn(`${e.message} (this notification is left out)`);
          }
        });
      }
      if (optBoolean(o.executionSuccessful, `${ipath}.executionSuccessful`) === false) {
        const why =
          optString(o.exitCodeDescription, `${ipath}.exitCodeDescription`) ??
          optString(o.exitSignalName, `${ipath}.exitSignalName`) ??
          firstError;
        failed ??= `the tool reports that its run did not succeed${why ? `: ${why}` : ''}`;
      }
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      warn(`${e.message} (this invocation is left out)`);
    }
  });
  return failed;
}

/** One notification; returns its text when it is an error (for the failure description). */
function readNotification(run: RunScope, n: Json, npath: string, findings: RawFinding[]): string | undefined {
  const level = optEnum(n.level, `${npath}.level`, LEVELS) ?? 'warning';
  const m = asObject(n.message, `${npath}.message`);
  const text =
    optString(m.text, `${npath}.message.text`) ??
    optString(m.markdown, `${npath}.message.markdown`) ??
    optString(m.id, `${npath}.message.id`) ??
    '';
  const place = primaryPlace(run, n, npath);
  const ruleId =
    optString(optObject(n.descriptor, `${npath}.descriptor`)?.id, `${npath}.descriptor.id`) ??
    optString(optObject(n.associatedRule, `${npath}.associatedRule`)?.id, `${npath}.associatedRule.id`) ??
    'tool-notification';
  if (level === 'error' || level === 'warning') {
    // with no file to put it on, a task-level finding: seen, and replaced by the next run
    findings.push({ ...(place ?? { file: '' }), severity: LEVEL_SEVERITY[level], ruleId, message: text || ruleId });
  }
  return level === 'error' ? text : undefined;
}
