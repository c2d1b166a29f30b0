// The SARIF 2.1.0 log the secrets agent prints: one result per hit, the rules as
// tool.driver.rules, and problems with its own configuration (.agentic/secrets-ignore) as
// toolConfigurationNotifications that point at the offending line.
import { pathToFileURL } from 'node:url';
import { RULES, type SecretHit } from './secrets';

/** A problem with the agent's configuration, at a place in a workspace file. */
export interface SarifNotification {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** A SARIF artifact URI: relative, forward slashes, percent-encoded where a URI requires it. */
function toUri(rel: string): string {
  return encodeURI(rel).replace(/[?#]/g, (c) => encodeURIComponent(c));
}

/** The SARIF 2.1.0 log for a run's hits. */
export function toSarif(hits: SecretHit[], workspace: string, notifications: SarifNotification[] = []): object {
  const ruleIndex = new Map(RULES.map((r, i) => [r.id, i]));
  let base = pathToFileURL(workspace).href;
  if (!base.endsWith('/')) base += '/';
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'agentic-bg secrets',
            rules: RULES.map((r) => ({
              id: r.id,
              shortDescription: { text: r.title },
              defaultConfiguration: { level: r.severity },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: base } },
        ...(notifications.length
          ? {
              invocations: [
                {
                  executionSuccessful: true,
                  toolConfigurationNotifications: notifications.map((n) => ({
                    level: 'error',
                    message: { text: n.message },
                    locations: [
                      {
                        physicalLocation: {
                          artifactLocation: { uri: toUri(n.file), uriBaseId: '%SRCROOT%' },
                          region: { startLine: n.line, startColumn: n.column },
                        },
                      },
                    ],
                  })),
                },
              ],
            }
          : {}),
        columnKind: 'utf16CodeUnits',
        results: hits.map((h) => ({
          ruleId: h.ruleId,
          ruleIndex: ruleIndex.get(h.ruleId),
          level: h.severity,
          message: { text: h.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: toUri(h.file), uriBaseId: '%SRCROOT%' },
                region: { startLine: h.line, startColumn: h.column, endLine: h.endLine, endColumn: h.endColumn },
              },
            },
          ],
          partialFingerprints: { 'secretHash/v1': h.fingerprint },
        })),
      },
    ],
  };
}
