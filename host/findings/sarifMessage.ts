// A SARIF result's message → plain text: message.text, or a message string looked up by id in
// the rule's messageStrings or the component's globalMessageStrings, with `{0}` placeholders
// filled and embedded links reduced to their words. Split from sarif.ts: a topic of its own.
import { asObject, fail, key, optArray, optObject, optString, ShapeError, type Json } from './check';

/** The parts of a rule reference the message lookup needs. */
export interface MessageRuleRef {
  rule: Json | undefined;
  rulePath: string;
  component: Json | undefined;
  componentPath: string;
}

/**
 * message.text, else message.id looked up in the rule's messageStrings and then in its
 * component's globalMessageStrings, else message.markdown; `{0}`-style placeholders are filled
 * from message.arguments.
 */
export function resultMessage(result: Json, rpath: string, ref: MessageRuleRef): string {
  const mp = `${rpath}.message`;
  const msg = asObject(result.message, mp);
  const args = optArray(msg.arguments, `${mp}.arguments`)?.map(
    (a, i) => optString(a, `${mp}.arguments[${i}]`) ?? fail(`${mp}.arguments[${i}]`, 'a string', a),
  );
  const text = optString(msg.text, `${mp}.text`);
  if (text !== undefined) return plainText(args ? fill(text, args) : text);
  const id = optString(msg.id, `${mp}.id`);
  if (id !== undefined) {
    const found =
      messageString(ref.rule?.messageStrings, `${ref.rulePath}.messageStrings`, id) ??
      messageString(ref.component?.globalMessageStrings, `${ref.componentPath}.globalMessageStrings`, id);
    if (!found) {
      throw new ShapeError(
        `${mp}.id`,
        `${JSON.stringify(id)} is in neither the rule's messageStrings nor globalMessageStrings`,
      );
    }
    return found.plain ? plainText(fill(found.s, args ?? [])) : fill(found.s, args ?? []);
  }
  const md = optString(msg.markdown, `${mp}.markdown`);
  if (md !== undefined) return args ? fill(md, args) : md;
  throw new ShapeError(mp, 'expected text, id or markdown');
}

function messageString(container: unknown, cpath: string, id: string): { s: string; plain: boolean } | undefined {
  const strings = optObject(container, cpath);
  if (!strings || !Object.hasOwn(strings, id)) return undefined;
  const p = key(cpath, id);
  const entry = asObject(strings[id], p);
  const text = optString(entry.text, `${p}.text`);
  if (text !== undefined) return { s: text, plain: true };
  const md = optString(entry.markdown, `${p}.markdown`);
  if (md !== undefined) return { s: md, plain: false };
  throw new ShapeError(p, 'expected text or markdown');
}

/** SARIF §3.11.5: `{n}` → arguments[n] (left as is when there is no such argument); `{{` `}}` → braces. */
function fill(template: string, args: string[]): string {
  return template.replace(/\{\{|\}\}|\{(\d+)\}/g, (m, n: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const i = Number(n);
    return i < args.length ? args[i]! : m;
  });
}

/**
 * SARIF §3.11.6: plain-text messages may embed links to related locations, `[this value](1)`, or
 * to URIs, with `\[` `\]` for literal brackets. The Problems panel shows plain text, so keep the
 * link's words and drop the target.
 */
function plainText(s: string): string {
  return s
    .replace(/(?<!\\)\[((?:[^\]\\]|\\.)*)\]\((\d+|[A-Za-z][A-Za-z0-9+.-]*:[^)\s]*)\)/g, '$1')
    .replace(/\\([[\]])/g, '$1');
}
