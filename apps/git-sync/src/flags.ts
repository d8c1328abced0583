// kubernetes/git-sync v4's flags, mapped onto its GITSYNC_* variables, so the same container
// args work with either image. A flag given on the command line wins over the variable.

const FLAGS: Record<string, string> = {
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
  v: 'GITSYNC_VERBOSE',
  verbose: 'GITSYNC_VERBOSE',
};

/** Boolean flags may stand alone (`--one-time`); the others take a value. */
const BOOLEAN = new Set(['one-time', 'ssh-known-hosts', 'http-metrics', 'group-write']);
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
    env[variable] = value;
  }
  return { env, rest, problems };
}
