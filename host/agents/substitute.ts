// Substitution of ${...} variables in an agent's argv template (README: Agents).
// Pure: no I/O, and never a shell — each template element stays exactly one argv element unless it
// is a whole-element list variable such as ${files}, so a file name with spaces or `;` is inert.

export interface SubstituteVars {
  files: string[];
  workspace: string;
  task: string;
  [k: string]: string | string[];
}

// One pass over `$${` (escape) and `${name}`. A single regex keeps `$${files}` from being read
// as `$` + `${files}`: the escape is matched first because alternation is tried left to right.
const TOKEN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;
const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}$/;

/**
 * Expand an argv template.
 * - `${files}` as a whole element becomes one element per file (none when there are no files);
 *   inside a larger element the files are joined with single spaces. Any other list-valued
 *   variable behaves the same way.
 * - `${file}` is the first file ('' when none), unless the caller provides `file` explicitly.
 * - `${workspace}`, `${task}` and any other provided variable are replaced inside each element.
 * - Unknown `${x}` is left untouched (so a typo is visible in the agent's argv, not silently empty).
 * - `$${` is a literal `${`.
 */
export function substituteArgv(argv: string[], vars: SubstituteVars): string[] {
  const lookup = (name: string): string | string[] | undefined => {
    if (Object.prototype.hasOwnProperty.call(vars, name)) return vars[name];
    if (name === 'file') return vars.files[0] ?? '';
    return undefined;
  };

  const out: string[] = [];
  for (const element of argv) {
    const whole = WHOLE.exec(element);
    if (whole) {
      const value = lookup(whole[1]);
      if (Array.isArray(value)) {
        out.push(...value);
        continue;
      }
    }
    out.push(
      element.replace(TOKEN, (match: string, name: string | undefined) => {
        if (name === undefined) return '${'; // the `$${` escape
        const value = lookup(name);
        if (value === undefined) return match;
        return Array.isArray(value) ? value.join(' ') : value;
      }),
    );
  }
  return out;
}
