// git-sync's whole environment, declared once. The names are kubernetes/git-sync v4's
// (GITSYNC_*), so a manifest can switch between the two images; flags.ts maps v4's flags onto
// them. Durations are written as in v4: 10s, 1m.

import { constants } from 'node:os';
import { bool, defineEnv, duration, integer, listenOrOff, secret } from '@pod-patterns/kit';
import { z } from 'zod';
import { parseGitConfig } from './git-config.js';

/** SIGTERM and SIGINT stop the container, and SIGKILL and SIGSTOP cannot be caught. */
const RESERVED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGKILL', 'SIGSTOP'];

/** v4's --sync-on-signal: `SIGHUP`, `HUP` or the number `1`, read as the signal it names here. */
function signalName(text: string): string | { problem: string } {
  const value = text.trim().toUpperCase();
  const name = /^\d+$/.test(value)
    ? Object.entries(constants.signals).find(([, number]) => number === Number(value))?.[0]
    : value.startsWith('SIG')
      ? value
      : `SIG${value}`;
  if (!name || !(name in constants.signals)) return { problem: `"${text}" is not a signal on this system` };
  if (RESERVED_SIGNALS.includes(name))
    return { problem: `${name} cannot start a sync: it stops or kills the container` };
  return name;
}

const gitConfig = (description: string) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return parseGitConfig(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .prefault('')
    .describe(description);

export const SUBMODULES = ['recursive', 'shallow', 'off'] as const;

export const envSchema = defineEnv({
  GITSYNC_REPO: z
    .string()
    .min(1)
    .describe('The repository to sync (`--repo`): https://, http://, ssh, git@host:path or file://.'),
  GITSYNC_REF: z
    .string()
    .min(1)
    .prefault('HEAD')
    .describe('What to sync (`--ref`): a branch, a tag, a full commit SHA, or HEAD (the remote default branch).'),
  GITSYNC_DEPTH: integer('Commits of history to fetch (`--depth`); 0 fetches all of it.', 1, 0, 1_000_000),
  GITSYNC_SUBMODULES: z
    .enum(SUBMODULES)
    .prefault('recursive')
    .describe('Submodules (`--submodules`): recursive, shallow (top level only) or off.'),
  GITSYNC_SPARSE_CHECKOUT_FILE: z
    .string()
    .optional()
    .describe('A file of sparse-checkout patterns (`--sparse-checkout-file`), non-cone mode.'),
  GITSYNC_ROOT: z
    .string()
    .min(1)
    .describe(
      'The folder to sync into (`--root`), usually an emptyDir shared with the app; a relative path is under the working directory.',
    ),
  GITSYNC_LINK: z
    .string()
    .optional()
    .describe(
      'The symlink to publish (`--link`): a name or a relative path under the root, or an absolute path; default: the last part of the repo URL, as it is (site.git stays site.git).',
    ),
  GITSYNC_PERIOD: duration('Time between syncs (`--period`).', '10s'),
  GITSYNC_SYNC_TIMEOUT: duration('Bound on one whole sync (`--sync-timeout`); git is killed past it.', '120s'),
  GITSYNC_ONE_TIME: bool('Sync once and exit (`--one-time`): 0 on success.', false),
  GITSYNC_MAX_FAILURES: integer(
    'Consecutive failures tolerated before exiting 1 (`--max-failures`); -1 retries forever.',
    0,
    -1,
    1_000_000,
  ),
  GITSYNC_BACKOFF_MAX_PERIODS: integer(
    'After failures, retries back off exponentially with jitter, up to this many periods.',
    6,
    1,
    1000,
  ),
  GITSYNC_TOUCH_FILE: z
    .string()
    .optional()
    .describe(
      'A file to touch after each new revision is published (`--touch-file`); a relative path is under the root.',
    ),
  GITSYNC_ERROR_FILE: z
    .string()
    .optional()
    .describe(
      'A file that holds the last error, written atomically and removed on success (`--error-file`); a relative path is under the root.',
    ),
  GITSYNC_STALE_WORKTREE_TIMEOUT: duration(
    'How long a superseded worktree is kept for readers still inside it (`--stale-worktree-timeout`). Not 0, unlike v4, so no reader gets ENOENT.',
    '1m',
  ),
  GITSYNC_USERNAME: z.string().optional().describe('User name for HTTP(S) auth (`--username`).'),
  GITSYNC_PASSWORD: secret(
    z
      .string()
      .min(1)
      .optional()
      .describe(
        'Password or token for HTTP(S) auth (`--password-file`); the file is read again for every sync, so a rotated token works.',
      ),
    {
      fileOnly: true,
    },
  ),
  GITSYNC_SSH_KEY_FILE: z.string().optional().describe('Private key for SSH remotes (`--ssh-key-file`).'),
  GITSYNC_SSH_KNOWN_HOSTS: bool('Check the SSH host key against the known-hosts file (`--ssh-known-hosts`).', true),
  GITSYNC_SSH_KNOWN_HOSTS_FILE: z
    .string()
    .prefault('/etc/git-secret/known_hosts')
    .describe('Known-hosts file for SSH (`--ssh-known-hosts-file`).'),
  GITSYNC_WEBHOOK_URL: z
    .string()
    .optional()
    .describe('URL called after each new revision (`--webhook-url`), with the hash in a Gitsync-Hash header.'),
  GITSYNC_WEBHOOK_METHOD: z.string().prefault('POST').describe('HTTP method of the webhook (`--webhook-method`).'),
  GITSYNC_WEBHOOK_SUCCESS_STATUS: integer(
    'Status that counts as success (`--webhook-success-status`); 0 accepts any 2xx, -1 any answer.',
    200,
    -1,
    599,
  ),
  GITSYNC_WEBHOOK_TIMEOUT: duration('Timeout of one webhook call (`--webhook-timeout`).', '1s'),
  GITSYNC_WEBHOOK_BACKOFF: duration(
    'First delay before retrying a failed webhook; it doubles, with jitter (`--webhook-backoff`).',
    '3s',
  ),
  GITSYNC_EXECHOOK_COMMAND: z
    .string()
    .optional()
    .describe(
      'An executable run in the new worktree after each new revision (`--exechook-command`), with GITSYNC_HASH set; no shell.',
    ),
  GITSYNC_EXECHOOK_TIMEOUT: duration('Timeout of one exechook run (`--exechook-timeout`).', '30s'),
  GITSYNC_EXECHOOK_BACKOFF: duration(
    'First delay before retrying a failed exechook; it doubles, with jitter (`--exechook-backoff`).',
    '3s',
  ),
  GITSYNC_HTTP_BIND: listenOrOff(
    'Address of / (health), /healthz, /readyz and /metrics (`--http-bind`); `off` turns it off.',
    ':8090',
  ),
  GITSYNC_HTTP_METRICS: bool('Serve /metrics (`--http-metrics`).', true),
  GITSYNC_UNHEALTHY_AFTER: duration(
    '/ answers 503 again once syncs have failed for this long after a success; 0 never.',
    '5m',
  ),
  GITSYNC_TRIGGER_BIND: listenOrOff(
    'Loopback address of `POST /sync`, which starts a sync now; `off` (the default) turns it off.',
    'off',
  ),
  GITSYNC_SYNC_ON_SIGNAL: z
    .string()
    .transform((text, ctx) => {
      const signal = signalName(text);
      if (typeof signal === 'string') return signal as NodeJS.Signals;
      ctx.addIssue({ code: 'custom', message: signal.problem });
      return z.NEVER;
    })
    .optional()
    .describe('A signal that starts a sync now (`--sync-on-signal`): a name or number, as in v4 (SIGHUP, HUP, 1).'),
  GITSYNC_GROUP_WRITE: bool('Make the synced files group-writable (`--group-write`).', false),
  GITSYNC_ADD_USER: bool(
    'Give the running uid a passwd entry if it has none, as ssh needs (`--add-user`): in /etc/passwd where writable, else in a private copy read through nss_wrapper.',
    false,
  ),
  GITSYNC_GIT_CONFIG: gitConfig(
    'Extra git config for every git command (`--git-config`), as `key:value,"key":"value"`; e.g. `safe.directory:*`.',
  ),
  GITSYNC_GIT_CONFIG_ADD: gitConfig(
    'More of the same, applied after GITSYNC_GIT_CONFIG (`--git-config-add`, which may be repeated; v4 has no variable for it).',
  ),
  GITSYNC_HTTP_PPROF: bool(
    "Accepted for v4 manifests (`--http-pprof`); Go's pprof has no Node twin, so it only logs that.",
    false,
  ),
  NODE_OPTIONS: z
    .string()
    .optional()
    .describe(
      'Read by Node itself, not by git-sync. The manifests set `--max-semi-space-size=1 --max-old-space-size=96`: a sidecar idle between syncs needs no 32 MiB young generation, and the heap is capped at half its 192Mi limit; peak RSS over 100 syncs with them: 66.8 MiB (bench/git-sync.ts).',
    ),
  GITSYNC_VERBOSE: integer(
    'Log verbosity (`-v`, `--verbose`): 0 info, 1-4 debug, 5 and up trace. Overrides LOG_LEVEL when set.',
    undefined,
    0,
    10,
  ).optional(),
});

export type Config = z.output<typeof envSchema>;
