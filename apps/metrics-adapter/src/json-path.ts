// JSONPath through jsonpath-plus, with its script evaluation off (a mapping file is config, not
// code) and limited to a documented subset that is checked at start: jsonpath-plus accepts a
// malformed path silently and matches everything, which would turn a typo into wrong numbers.
import { JSONPath } from 'jsonpath-plus';

// $ then any of: .name  ['name']  ["name"]  [0]  [*]  .*  ..name
const SUBSET = /^\$(?:\.[A-Za-z_][\w-]*|\[(?:'[^']*'|"[^"]*"|\d+|\*)\]|\.\*|\.\.[A-Za-z_][\w-]*)*$/;

export function checkPath(path: string): string | undefined {
  return SUBSET.test(path)
    ? undefined
    : `"${path}" is not in the supported JSONPath subset: $ followed by .name, ['name'], [0], [*], .* or ..name`;
}

/** Every value the path matches in `json`; `[]` when nothing matches. */
export function query(path: string, json: unknown): unknown[] {
  if (json === null || typeof json !== 'object') return path === '$' ? [json] : [];
  return JSONPath({ path, json, wrap: true, eval: false }) as unknown[];
}
