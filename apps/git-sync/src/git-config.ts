// v4's --git-config and --git-config-add: extra git config, such as `safe.directory:*` for a
// volume owned by another uid, or `http.proxy:...`. The text is v4's format:
// `key:value,"quoted.key":"quoted, value"`, with \n, \t, \", \, and \\ escapes.
//
// As in v4, the settings go into a private global config file (GIT_CONFIG_GLOBAL, with the
// system config off), not into `-c` or GIT_CONFIG_COUNT: git 2.39, which the image ships, honours
// safe.directory only from the system or global config.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface GitConfigEntry {
  key: string;
  value: string;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', '"': '"', ',': ',', '\\': '\\' };
/** section[.subsection].name, as git checks it: name starts with a letter, no dot or space. */
const KEY = /^[A-Za-z0-9-]+(\.[^\n]*)?\.[A-Za-z][A-Za-z0-9-]*$/;

/** Parses v4's format; throws with the first problem, naming the key where there is one. */
export function parseGitConfig(text: string): GitConfigEntry[] {
  const entries: GitConfigEntry[] = [];
  let i = 0;
  const escaped = (): string => {
    const char = ESCAPES[text[i] ?? ''];
    if (char === undefined) throw new Error(`unsupported escape "\\${text[i] ?? ''}"`);
    i += 1;
    return char;
  };
  const quoted = (): string => {
    i += 1; // the opening quote
    let out = '';
    while (i < text.length) {
      const char = text[i++] as string;
      if (char === '"') return out;
      out += char === '\\' ? escaped() : char;
    }
    throw new Error(`the quoted "${out}" is not closed`);
  };
  while (i < text.length) {
    let key: string;
    if (text[i] === '"') {
      key = quoted();
      if (text[i++] !== ':') throw new Error(`key "${key}": expected ":" after it`);
    } else {
      const colon = text.indexOf(':', i);
      if (colon < 0) throw new Error(`"${text.slice(i)}": expected key:value`);
      key = text.slice(i, colon);
      i = colon + 1;
    }
    if (!KEY.test(key)) throw new Error(`"${key}" is not a git config key (section.name)`);
    if (i >= text.length) throw new Error(`key ${key}: no value`);
    let value = '';
    if (text[i] === '"') {
      value = quoted();
      if (i < text.length && text[i++] !== ',') throw new Error(`key ${key}: expected "," after the quoted value`);
    } else {
      while (i < text.length) {
        const char = text[i++] as string;
        if (char === ',') break;
        value += char === '\\' ? escaped() : char;
      }
    }
    entries.push({ key, value });
  }
  return entries;
}

/**
 * Writes the entries, with git itself, into a global config file in the private folder, and
 * returns the environment that points git at it.
 */
export function privateGitConfig(entries: GitConfigEntry[], dir: string): NodeJS.ProcessEnv {
  const file = join(dir, 'gitconfig');
  execFileSync('git', ['config', '--file', file, 'gc.autoDetach', 'false']); // gc runs in our sync, not after it
  for (const { key, value } of entries) execFileSync('git', ['config', '--file', file, '--add', '--', key, value]);
  return { GIT_CONFIG_GLOBAL: file, GIT_CONFIG_NOSYSTEM: '1' };
}
