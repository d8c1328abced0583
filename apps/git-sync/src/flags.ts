// kubernetes/git-sync v4's flags, mapped onto its GITSYNC_* variables, so the same container
// args work with either image. A flag given on the command line wins over the variable.

export const FLAGS: Record<string, string> = {
  repo: 'GITSYNC_REPO',
  ref: 'GITSYNC_REF',
  depth: 'GITSYNC_DEPTH',
  submodules: 'GITSYNC_SUBMODULES',
  'sparse-checkout-file': 'GITSYNC_SPARSE_CHECKOUT_FILE',
  root: 'GITSYNC_ROOT',
  link: 'GITSYNC_LINK',
  period: 'GITSYNC_PERIOD',
  'sync-timeout': 'GITSYNC_SYNC_TIMEOUT',
  'one-time': 'GITSYNC_ONE_TIME',
  'max-failures': 'GITSYNC_MAX_FAILURES',
  'touch-file': 'GITSYNC_TOUCH_FILE',
  'error-file': 'GITSYNC_ERROR_FILE',
  'stale-worktree-timeout': 'GITSYNC_STALE_WORKTREE_TIMEOUT',
  username: 'GITSYNC_USERNAME',
  'password-file': 'GITSYNC_PASSWORD_FILE',
  'ssh-key-file': 'GITSYNC_SSH_KEY_FILE',
  'ssh-known-hosts': 'GITSYNC_SSH_KNOWN_HOSTS',
  'ssh-known-hosts-file': 'GITSYNC_SSH_KNOWN_HOSTS_FILE',
  'webhook-url': 'GITSYNC_WEBHOOK_URL',
  'webhook-method': 'GITSYNC_WEBHOOK_METHOD',
  'webhook-success-status': 'GITSYNC_WEBHOOK_SUCCESS_STATUS',
  'webhook-timeout': 'GITSYNC_WEBHOOK_TIMEOUT',
  'webhook-backoff': 'GITSYNC_WEBHOOK_BACKOFF',
  'exechook-command': 'GITSYNC_EXECHOOK_COMMAND',
  'exechook-timeout': 'GITSYNC_EXECHOOK_TIMEOUT',
  'exechook-backoff': 'GITSYNC_EXECHOOK_BACKOFF',
  'http-bind': 'GITSYNC_HTTP_BIND',
  'http-metrics': 'GITSYNC_HTTP_METRICS',
  'sync-on-signal': 'GITSYNC_SYNC_ON_SIGNAL',
  'group-write': 'GITSYNC_GROUP_WRITE',
  'add-user': 'GITSYNC_ADD_USER',
  'git-config': 'GITSYNC_GIT_CONFIG',
  'git-config-add': 'GITSYNC_GIT_CONFIG_ADD',
  'http-pprof': 'GITSYNC_HTTP_PPROF',
  v: 'GITSYNC_VERBOSE',
  verbose: 'GITSYNC_VERBOSE',
};

/** Boolean flags may stand alone (`--one-time`); the others take a value. */
const BOOLEAN = new Set(['one-time', 'ssh-known-hosts', 'http-metrics', 'group-write', 'add-user', 'http-pprof']);
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
    if (v4Name !== name && Object.values(FLAGS).includes(v4Name)) {
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
    const variable = name ? FLAGS[name] : undefined;
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
