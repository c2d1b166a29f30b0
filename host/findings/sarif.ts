// SARIF 2.1.0 log → findings. Pure: the text in, findings or an error out.
//
// A document that is not SARIF (not JSON, another version, runs or results not arrays) gives an
// error that says where it broke and NO findings: the host then clears nothing. Within a readable
// log, one bad result never costs the others: a region value out of range is dropped (the finding
// keeps its file), a result that cannot be read at all is left out, and each repair is a warning
// naming the JSON path (the task's detail shows them). Results without a file are task-level
// findings (file ''), suppressed ones are counted, and the tool's own notifications are read.
import type { Severity } from '../../common/model';
import {
  asObject,
  element,
  fail,
  key,
  optArray,
  optEnum,
  optInt,
  optObject,
  optString,
  ShapeError,
  type Json,
} from './check';
import { buildFinding, type ParseContext, type ParseResult, type RawFinding } from './finding';
import { parseJsonLocated } from './jsonError';
import { primaryPlace, type RunScope } from './sarifLocation';
import { readInvocations } from './sarifInvocations';
import { resultMessage } from './sarifMessage';

export const SARIF_VERSION = '2.1.0';

const LEVELS = ['error', 'warning', 'note', 'none'] as const;
type Level = (typeof LEVELS)[number];
const LEVEL_SEVERITY: Record<Level, Severity> = { error: 'error', warning: 'warning', note: 'info', none: 'hint' };
const KINDS = ['pass', 'open', 'informational', 'notApplicable', 'review', 'fail'] as const;

/** Where a result's rule lives: the descriptor (if found) and its tool component. */
interface RuleRef {
  rule: Json | undefined;
  rulePath: string;
  component: Json | undefined;
  componentPath: string;
}

interface Run extends RunScope {
  driver: Json | undefined;
  extensions: unknown[] | undefined;
}

/** At most this many warnings are kept word for word; the rest are counted. */
const MAX_WARNINGS = 5;

export function parseSarif(text: string, ctx: ParseContext): ParseResult {
  if (text.trim() === '') return { findings: [], error: 'empty output: expected a SARIF 2.1.0 log' };
  const parsed = parseJsonLocated(text);
  if ('error' in parsed) {
    // A tool that prints a banner before its JSON fails at line 1, column 1: say what likely happened.
    const hint =
      parsed.at && parsed.at.line === 1 && parsed.at.column === 1 && !/^\s*[[{]/.test(text)
        ? ' (does the tool print something before the SARIF document?)'
        : '';
    return { findings: [], error: parsed.error + hint };
  }
  try {
    return readLog(parsed.value, ctx);
  } catch (e) {
    if (e instanceof ShapeError) return { findings: [], error: e.message };
    throw e;
  }
}

function readLog(doc: unknown, ctx: ParseContext): ParseResult {
  const log = asObject(doc, '');
  if (log.version !== SARIF_VERSION) {
    // 2.0.0 and the pre-release 2.1.0-rtm.N logs differ in shape; reading them as 2.1.0 would
    // silently misplace findings.
    throw new ShapeError('version', `expected version ${SARIF_VERSION}, got ${describeVersion(log.version)}`);
  }
  if (log.runs === null) {
    // SARIF: runs is null when the tool failed before it could start a run.
    throw new ShapeError('runs', 'null: the tool reports that it could not run');
  }
  const runs = optArray(log.runs, 'runs') ?? fail('runs', 'an array', log.runs);
  const findings: RawFinding[] = [];
  const warnings: string[] = [];
  let warned = 0;
  const warn = (msg: string): void => {
    if (warned++ < MAX_WARNINGS) warnings.push(msg);
  };
  let suppressed = 0;
  const failedRuns: string[] = [];
  runs.forEach((r, i) => {
    const path = `runs[${i}]`;
    const run = readRun(asObject(r, path), path, ctx.workspace, warn);
    const results = optArray(asObject(r, path).results, `${path}.results`) ?? [];
    results.forEach((res, j) => {
      const rpath = `${path}.results[${j}]`;
      try {
        const out = readResult(run, asObject(res, rpath), rpath);
        if (out === 'suppressed') suppressed++;
        else if (out) findings.push(out);
      } catch (e) {
        if (!(e instanceof ShapeError)) throw e;
        warn(`${e.message} (this result is left out)`);
      }
    });
    const failed = readInvocations(run, asObject(r, path), findings, warn);
    if (failed !== undefined) failedRuns.push(failed);
  });
  const result: ParseResult = { findings: findings.map((f) => buildFinding(f, ctx)) };
  if (warned > MAX_WARNINGS) warnings.push(`… and ${warned - MAX_WARNINGS} more`);
  if (warnings.length) result.warnings = warnings;
  if (suppressed > 0) result.suppressed = suppressed;
  if (failedRuns.length) result.executionFailed = failedRuns.join('; ');
  return result;
}

function describeVersion(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'no version property' : String(v);
}

function readRun(run: Json, path: string, workspace: string, warn: (msg: string) => void): Run {
  // `tool` is required by the spec, but nothing here needs it unless a result refers to a rule:
  // a run without one still yields its findings. A malformed part of the run is read as absent,
  // with a warning: only the results that need it are then left out, not the whole log.
  const lenient = <T>(read: () => T | undefined): T | undefined => {
    try {
      return read();
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      warn(`${e.message} (read as absent)`);
      return undefined;
    }
  };
  const tool = lenient(() => optObject(run.tool, `${path}.tool`));
  return {
    path,
    workspace,
    warn,
    driver: lenient(() => optObject(tool?.driver, `${path}.tool.driver`)),
    extensions: lenient(() => optArray(tool?.extensions, `${path}.tool.extensions`)),
    artifacts: lenient(() => optArray(run.artifacts, `${path}.artifacts`)),
    baseIds: lenient(() => optObject(run.originalUriBaseIds, `${path}.originalUriBaseIds`)),
  };
}

/** A finding, undefined for a result that is not a problem, 'suppressed' for one suppressed. */
function readResult(run: Run, result: Json, rpath: string): RawFinding | undefined | 'suppressed' {
  const kind = optEnum(result.kind, `${rpath}.kind`, KINDS) ?? 'fail';
  // pass / notApplicable: the rule was checked and nothing is wrong. baselineState "absent": the
  // problem was there in the baseline and is gone now. Neither belongs in the Problems panel.
  if (kind === 'pass' || kind === 'notApplicable') return undefined;
  if (optString(result.baselineState, `${rpath}.baselineState`) === 'absent') return undefined;
  if (isSuppressed(result, rpath)) return 'suppressed';

  const ref = findRule(run, result, rpath);
  const ruleId =
    optString(result.ruleId, `${rpath}.ruleId`) ??
    optString(optObject(result.rule, `${rpath}.rule`)?.id, `${rpath}.rule.id`) ??
    optString(ref.rule?.id, `${ref.rulePath}.id`) ??
    '';

  let level = optEnum(result.level, `${rpath}.level`, LEVELS);
  if (level === undefined) {
    // SARIF §3.27.10: a result whose kind is not "fail" defaults to "none"; a failure takes the
    // rule's default configuration, else "warning".
    if (kind !== 'fail') level = 'none';
    else {
      const cpath = `${ref.rulePath}.defaultConfiguration`;
      const conf = optObject(ref.rule?.defaultConfiguration, cpath);
      level = optEnum(conf?.level, `${cpath}.level`, LEVELS) ?? 'warning';
    }
  }

  let message = resultMessage(result, rpath, ref);
  if (message.trim() === '') {
    const short = optObject(ref.rule?.shortDescription, `${ref.rulePath}.shortDescription`);
    message = optString(short?.text, `${ref.rulePath}.shortDescription.text`) || ruleId;
  }

  // no file (a build tool's "no project file", a logical location only): a task-level finding
  const place = primaryPlace(run, result, rpath) ?? { file: '' };
  if (place.file === '') {
    const where = logicalName(result, rpath);
    if (where && !message.includes(where)) message = `${message} (in ${where})`;
  }
  const f: RawFinding = { ...place, severity: LEVEL_SEVERITY[level], ruleId, message };
  const fp = fingerprint(result, rpath);
  if (fp !== undefined) f.fingerprint = fp;
  return f;
}

/**
 * Suppressed only when every suppression is accepted (a missing status means accepted): one that
 * is under review or rejected means someone disputes it, so the result is shown.
 */
function isSuppressed(result: Json, rpath: string): boolean {
  const sups = optArray(result.suppressions, `${rpath}.suppressions`) ?? [];
  return (
    sups.length > 0 &&
    sups.every((s, i) => {
      const p = `${rpath}.suppressions[${i}]`;
      const status = optString(asObject(s, p).status, `${p}.status`);
      return status === undefined || status === 'accepted';
    })
  );
}

/** The first logical location's name, for a result with no file: "pkg.Cls.method". */
function logicalName(result: Json, rpath: string): string | undefined {
  const locs = optArray(result.locations, `${rpath}.locations`) ?? [];
  const first = locs[0] === undefined ? undefined : optObject(locs[0], `${rpath}.locations[0]`);
  const logical = optArray(first?.logicalLocations, `${rpath}.locations[0].logicalLocations`)?.[0];
  if (typeof logical !== 'object' || logical === null) return undefined;
  const l = logical as Json;
  const name = l.fullyQualifiedName ?? l.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/**
 * The rule descriptor a result refers to: `ruleIndex`, or `rule.index` (in the tool component
 * `rule.toolComponent.index` names among tool.extensions, else the driver), or failing those the
 * first rule whose id equals the ruleId (or its part before '/': SARIF's hierarchical "CA1/sub").
 * An index out of range is an error; an id that matches no rule just means no descriptor.
 */
function findRule(run: Run, result: Json, rpath: string): RuleRef {
  let component = run.driver;
  let componentPath = `${run.path}.tool.driver`;
  let index = optInt(result.ruleIndex, `${rpath}.ruleIndex`, -1);
  let indexPath = `${rpath}.ruleIndex`;
  const ref = optObject(result.rule, `${rpath}.rule`);
  if (ref) {
    const refIndex = optInt(ref.index, `${rpath}.rule.index`, -1);
    if (refIndex !== undefined && refIndex >= 0) [index, indexPath] = [refIndex, `${rpath}.rule.index`];
    const tc = optObject(ref.toolComponent, `${rpath}.rule.toolComponent`);
    const tci = optInt(tc?.index, `${rpath}.rule.toolComponent.index`, -1);
    if (tci !== undefined && tci >= 0) {
      const ep = `${run.path}.tool.extensions`;
      componentPath = `${ep}[${tci}]`;
      component = asObject(element(run.extensions, tci, `${rpath}.rule.toolComponent.index`, ep), componentPath);
    }
  }
  const rulesPath = `${componentPath}.rules`;
  const rules = optArray(component?.rules, rulesPath) ?? [];
  const at = (i: number): RuleRef => ({
    rule: asObject(element(rules, i, indexPath, rulesPath), `${rulesPath}[${i}]`),
    rulePath: `${rulesPath}[${i}]`,
    component,
    componentPath,
  });
  if (index !== undefined && index >= 0) return at(index);

  const id = optString(result.ruleId, `${rpath}.ruleId`) ?? optString(ref?.id, `${rpath}.rule.id`);
  if (id !== undefined) {
    const idOf = (r: unknown) => (typeof r === 'object' && r !== null ? (r as Json).id : undefined);
    let i = rules.findIndex((r) => idOf(r) === id);
    if (i === -1 && id.includes('/')) i = rules.findIndex((r) => idOf(r) === id.slice(0, id.indexOf('/')));
    if (i !== -1) return at(i);
  }
  return { rule: undefined, rulePath: `${rulesPath}[?]`, component, componentPath };
}

/**
 * `fingerprints` (a tool's complete identity for the result) before `partialFingerprints` (parts
 * of one, e.g. GitHub's primaryLocationLineHash); within either, the value of the first key in
 * sorted order, so the choice does not depend on the order the tool wrote the keys in.
 */
function fingerprint(result: Json, rpath: string): string | undefined {
  for (const prop of ['fingerprints', 'partialFingerprints']) {
    const p = `${rpath}.${prop}`;
    const fps = optObject(result[prop], p);
    if (!fps) continue;
    const values = Object.keys(fps)
      .sort()
      .map((k) => optString(fps[k], key(p, k)) ?? fail(key(p, k), 'a string', fps[k]));
    const first = values.find((v) => v !== '');
    if (first !== undefined) return first;
  }
  return undefined;
}
