// kubernetes/git-sync v4's flags, mapped onto its GITSYNC_* variables, so the same container
// args work with either image. A flag given on the command line wins over the variable. Which
// flag sets which variable is read from the variable's description in config.ts.

import { z } from 'zod';
import { envSchema } from './config.js';

interface SchemaField {
  description?: string;
  secret?: boolean;
  boolean?: boolean;
}

/** The flags a variable's description names, first thing in parentheses: "(`--depth`)", "(`-v`, `--verbose`)". */
const NAMED_FLAGS = /\((`--?[a-z][a-z-]*`(?:, `--?[a-z][a-z-]*`)*)/;

/**
 * Each flag's variable, read from the schema's descriptions, so that a variable and its flag
 * are declared in one place. A secret's `-file` flag names its `_FILE` variable
 * (`--password-file`: GITSYNC_PASSWORD_FILE). `problems` lists a flag named by two variables.
 */
export function flagsOf(schema: z.ZodType): {
  variables: Map<string, string>;
  booleans: Set<string>;
  problems: string[];
} {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, SchemaField>;
  };
  const variables = new Map<string, string>();
  const booleans = new Set<string>();
  const problems: string[] = [];
  for (const [variable, field] of Object.entries(json.properties)) {
    const named = NAMED_FLAGS.exec(field.description ?? '')?.[1] ?? '';
    for (const [, flag] of named.matchAll(/`-{1,2}([a-z-]+)`/g)) {
      const name = flag as string;
      const target = field.secret && name.endsWith('-file') ? `${variable}_FILE` : variable;
      const taken = variables.get(name);
      if (taken) problems.push(`--${name} is named by both ${taken} and ${target}`);
      variables.set(name, target);
      if (field.boolean) booleans.add(name);
    }
  }
  return { variables, booleans, problems };
}

/** kubernetes/git-sync v4's flags that this git-sync takes, each onto its GITSYNC_* variable. */
const { variables: FLAGS, booleans: BOOLEAN } = flagsOf(envSchema);

export { FLAGS };

/** May be given more than once; v4 joins them with commas and reads them as one --git-config. */
const REPEATABLE = new Set(['git-config-add']);

/**
 * v4's flags (and their variables) this git-sync does not take, each with why and what to use
 * instead. Each is refused at start (exit 78) with that text, never silently ignored.
 */
export const UNSUPPORTED: Record<string, { variable?: string; why: string }> = {
  filter: {
    variable: 'GITSYNC_FILTER',
    why: 'partial clones are not supported; --depth and --sparse-checkout-file bound what is fetched and checked out',
  },
  'init-period': {
    variable: 'GITSYNC_INIT_PERIOD',
    why: 'failed syncs, the first too, retry with capped exponential backoff from --period',
  },
  'init-max-failures': { variable: 'GITSYNC_INIT_MAX_FAILURES', why: '--max-failures applies from the first sync' },
  'pre-publish-exechook-command': {
    variable: 'GITSYNC_PRE_PUBLISH_EXECHOOK_COMMAND',
    why: 'no hook runs before publishing; --exechook-command runs after',
  },
  'pre-publish-exechook-timeout': {
    variable: 'GITSYNC_PRE_PUBLISH_EXECHOOK_TIMEOUT',
    why: 'see --pre-publish-exechook-command',
  },
  'pre-publish-exechook-backoff': {
    variable: 'GITSYNC_PRE_PUBLISH_EXECHOOK_BACKOFF',
    why: 'see --pre-publish-exechook-command',
  },
  credential: {
    variable: 'GITSYNC_CREDENTIAL',
    why: 'one credential, for the repo: use --username and --password-file',
  },
  'cookie-file': { variable: 'GITSYNC_COOKIE_FILE', why: 'no cookie file: use --username and --password-file' },
  'askpass-url': {
    variable: 'GITSYNC_ASKPASS_URL',
    why: 'no askpass URL: --password-file is read again for every sync, so a rotated token works',
  },
  'github-base-url': {
    variable: 'GITSYNC_GITHUB_BASE_URL',
    why: 'GitHub App auth is not supported: use a token in --password-file',
  },
  'github-app-private-key-file': {
    variable: 'GITSYNC_GITHUB_APP_PRIVATE_KEY_FILE',
    why: 'GitHub App auth is not supported: use a token in --password-file',
  },
  'github-app-client-id': {
    variable: 'GITSYNC_GITHUB_APP_CLIENT_ID',
    why: 'GitHub App auth is not supported: use a token in --password-file',
  },
  'github-app-application-id': {
    variable: 'GITSYNC_GITHUB_APP_APPLICATION_ID',
    why: 'GitHub App auth is not supported: use a token in --password-file',
  },
  'github-app-installation-id': {
    variable: 'GITSYNC_GITHUB_APP_INSTALLATION_ID',
    why: 'GitHub App auth is not supported: use a token in --password-file',
  },
  git: { variable: 'GITSYNC_GIT', why: 'the git on PATH runs (the image ships it)' },
  'git-gc': {
    variable: 'GITSYNC_GIT_GC',
    why: '`git gc --auto` runs after each new revision; other modes are not offered',
  },
  man: { why: 'the README is the manual; --help prints the variables' },
  // Deprecated in v4 already; each names its replacement.
  branch: { variable: 'GIT_SYNC_BRANCH', why: 'deprecated in v4: use --ref' },
  rev: { variable: 'GIT_SYNC_REV', why: 'deprecated in v4: use --ref' },
  dest: { variable: 'GIT_SYNC_DEST', why: 'deprecated in v4: use --link' },
  wait: { variable: 'GIT_SYNC_WAIT', why: 'deprecated in v4: use --period' },
  timeout: { variable: 'GIT_SYNC_TIMEOUT', why: 'deprecated in v4: use --sync-timeout' },
  'max-sync-failures': { variable: 'GIT_SYNC_MAX_SYNC_FAILURES', why: 'deprecated in v4: use --max-failures' },
  'change-permissions': { variable: 'GIT_SYNC_PERMISSIONS', why: 'deprecated in v4: use --group-write' },
  'sync-hook-command': { variable: 'GIT_SYNC_HOOK_COMMAND', why: 'deprecated in v4: use --exechook-command' },
  password: { why: 'deprecated in v4: use --password-file (GITSYNC_PASSWORD_FILE)' },
  ssh: { why: 'deprecated in v4, where it does nothing: ssh is used for ssh:// and git@host: remotes' },
};

/**
 * Problems for variables of unsupported v4 flags that are set, and for v3's GIT_SYNC_* names of
 * variables v4 still reads: each would otherwise be ignored without a word.
 */
export function unsupportedVariables(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  for (const [flag, { variable, why }] of Object.entries(UNSUPPORTED)) {
    if (variable && env[variable] !== undefined) problems.push(`${variable} (--${flag}) is not supported: ${why}`);
  }
  for (const name of Object.keys(env)) {
    const v4Name = name.replace(/^GIT_SYNC_/, 'GITSYNC_');
    if (v4Name !== name && [...FLAGS.values()].includes(v4Name)) {
      problems.push(`${name} is git-sync v3's name: use ${v4Name}`);
    }
  }
  return problems;
}
/** Passed through to runService. */
const OWN = new Set(['--help', '-h', '--version']);

export interface ParsedFlags {
  env: Record<string, string>;
  rest: string[];
  problems: string[];
}

export function flagsToEnv(argv: string[]): ParsedFlags {
  const env: Record<string, string> = {};
  const rest: string[] = [];
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (OWN.has(arg)) {
      rest.push(arg);
      continue;
    }
    const match = /^--?([a-z][a-z-]*)(?:=(.*))?$/.exec(arg);
    const name = match?.[1];
    const variable = name ? FLAGS.get(name) : undefined;
    const unsupported = name ? UNSUPPORTED[name] : undefined;
    if (unsupported) {
      problems.push(`--${name} is not supported: ${unsupported.why}`);
      if (match?.[2] === undefined && argv[i + 1] !== undefined && !argv[i + 1]?.startsWith('-')) i += 1;
      continue;
    }
    if (!name || !variable) {
      problems.push(`unknown argument ${arg}`);
      continue;
    }
    let value = match?.[2];
    if (value === undefined) {
      const next = argv[i + 1];
      if (BOOLEAN.has(name) && (next === undefined || !/^(true|false)$/.test(next))) value = 'true';
      else if (next === undefined) {
        problems.push(`${arg} needs a value`);
        continue;
      } else {
        value = next;
        i += 1;
      }
    }
    env[variable] = REPEATABLE.has(name) && env[variable] !== undefined ? `${env[variable]},${value}` : value;
  }
  return { env, rest, problems };
}
