// Where a JSON document is broken, as line:column. Node 20's JSON.parse gives a position for some
// errors and only a snippet for others ("Unexpected token '}', ... is not valid JSON"), so when it
// fails we re-scan the text with this small validator, which knows the offset of the first error.
// Only called after JSON.parse has failed: speed does not matter, clarity does.

export interface JsonSyntaxError {
  /** 1-based, UTF-16 code units, as an editor counts them */
  line: number;
  column: number;
  reason: string;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

function show(ch: string | undefined): string {
  if (ch === undefined) return 'end of input';
  return ch >= ' ' && ch !== '\u007f' ? `'${ch}'` : `character U+${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** The first syntax error of `text`, or undefined when it is valid JSON (or too deep to scan). */
export function findJsonError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const stop = (reason: string, at = i): never => {
    throw new Stop(at, reason);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (ch: string, what: string) => {
    if (text[i] !== ch) stop(`expected ${what}, got ${show(text[i])}`);
    i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else stop(`unexpected ${show(text[i])}`);
  };
  const string = () => {
    const start = i;
    i++; // opening quote
    for (;;) {
      const ch = text[i];
      if (ch === undefined) stop('unterminated string', start);
      if (ch === '"') return void i++;
      if (ch! < ' ') stop(`${show(ch)} must be escaped inside a string`);
      if (ch === '\\') {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else stop(`invalid escape sequence in string`);
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-') stop(`invalid number`);
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') stop(`expected a property name in double quotes, got ${show(text[i])}`);
        string();
        ws();
        expect(':', "':' after the property name");
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect('}', "',' or '}' after the property value");
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect(']', "',' or ']' after the array element");
      }
    }
    if (ch === '"') return string();
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    stop(ch === undefined ? 'unexpected end of input' : `unexpected ${show(ch)}`);
  };

  try {
    value();
    ws();
    if (i < text.length) stop(`unexpected ${show(text[i])} after the end of the JSON document`);
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return { ...lineColumn(text, e.offset), reason: e.reason };
    return undefined; // RangeError: nested too deep for this recursive scanner
  }
}

/** 1-based line and column of a UTF-16 offset; `\r\n` and `\n` end a line. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * JSON.parse with a located error: `{ value }`, or `{ error }` worded "invalid JSON at line 3,
 * column 7: expected ..." (or V8's own message when the scanner does not find the spot).
 * A leading UTF-8 byte order mark is dropped (PowerShell's Out-File writes one).
 */
export function parseJsonLocated(text: string): { value: unknown } | { error: string; at?: JsonSyntaxError } {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { value: JSON.parse(src) as unknown };
  } catch (e) {
    const at = findJsonError(src);
    if (at) return { error: `invalid JSON at line ${at.line}, column ${at.column}: ${at.reason}`, at };
    return { error: `invalid JSON: ${(e as Error).message}` };
  }
}
