import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { bool, defineEnv } from '@pod-patterns/kit';
import { freePort, waitFor } from '@pod-patterns/testing';
import { z } from 'zod';
import { envSchema } from '../src/config.js';
import { FLAGS, flagsOf, flagsToEnv, UNSUPPORTED } from '../src/flags.js';
import { entrypoint, Origin, runGitSync, startGitSync, tempDir } from './helpers.js';

/** kubernetes/git-sync v4's flags that this git-sync takes (v4's --help); the rest are in UNSUPPORTED. */
const V4_ACCEPTED = [
  'repo',
  'ref',
  'depth',
  'submodules',
  'sparse-checkout-file',
  'root',
  'link',
  'period',
  'sync-timeout',
  'one-time',
  'max-failures',
  'touch-file',
  'error-file',
  'stale-worktree-timeout',
  'username',
  'password-file',
  'ssh-key-file',
  'ssh-known-hosts',
  'ssh-known-hosts-file',
  'webhook-url',
  'webhook-method',
  'webhook-success-status',
  'webhook-timeout',
  'webhook-backoff',
  'exechook-command',
  'exechook-timeout',
  'exechook-backoff',
  'http-bind',
  'http-metrics',
  'sync-on-signal',
  'group-write',
  'add-user',
  'git-config',
  'http-pprof',
  'v',
  'verbose',
];

test("every v4 flag taken maps to one variable, v4's own name for it, read from the schema", () => {
  const { problems } = flagsOf(envSchema);
  assert.deepEqual(problems, []);
  const variables = new Set(Object.keys(envSchema.shape));
  for (const flag of V4_ACCEPTED) {
    const variable = FLAGS.get(flag);
    assert.ok(variable, `--${flag} is taken: its variable's description names it`);
    // v4 names each variable after its long flag; -v is short for --verbose.
    const v4Name = `GITSYNC_${(flag === 'v' ? 'verbose' : flag).toUpperCase().replaceAll('-', '_')}`;
    assert.equal(variable, v4Name, `--${flag}`);
    assert.ok(variables.has(variable) || variables.has(variable.replace(/_FILE$/, '')), `${variable} is in the schema`);
    assert.equal(UNSUPPORTED[flag], undefined, `--${flag} is not also refused`);
  }
  // Beyond v4: --git-config-add, which v4 takes more than once and has no variable for.
  assert.deepEqual(
    [...FLAGS.keys()].filter((flag) => !V4_ACCEPTED.includes(flag)),
    ['git-config-add'],
  );
});

test('a flag named by two variables is a problem; a boolean flag is known from its field', () => {
  const schema = defineEnv({
    GITSYNC_A: z.string().optional().describe('One (`--same`).'),
    GITSYNC_B: z.string().optional().describe('Two (`--same`, `--b`).'),
    GITSYNC_C: bool('Three (`--c`); see (`--not-a-flag-list` later).', false),
  });
  const { variables, booleans, problems } = flagsOf(schema);
  assert.deepEqual(problems, ['--same is named by both GITSYNC_A and GITSYNC_B']);
  assert.deepEqual(
    [...variables],
    [
      ['same', 'GITSYNC_B'],
      ['b', 'GITSYNC_B'],
      ['c', 'GITSYNC_C'],
    ],
  );
  assert.deepEqual([...booleans], ['c']);
});

test('v4 flags map onto the GITSYNC_* variables', () => {
  const parsed = flagsToEnv([
    '--repo=https://example.com/r.git',
    '--root',
    '/git',
    '--one-time',
    '--depth',
    '3',
    '-v',
    '5',
    '--link=site',
    '--group-write',
    'false',
    '--password-file=/etc/secret/token',
    '--add-user',
  ]);
  assert.deepEqual(parsed.env, {
    GITSYNC_REPO: 'https://example.com/r.git',
    GITSYNC_ROOT: '/git',
    GITSYNC_ONE_TIME: 'true',
    GITSYNC_DEPTH: '3',
    GITSYNC_VERBOSE: '5',
    GITSYNC_LINK: 'site',
    GITSYNC_GROUP_WRITE: 'false',
    GITSYNC_PASSWORD_FILE: '/etc/secret/token',
    GITSYNC_ADD_USER: 'true',
  });
  assert.deepEqual(flagsToEnv(['--colour', 'red', '--repo']).problems, [
    'unknown argument --colour',
    'unknown argument red',
    '--repo needs a value',
  ]);
});

test('the same run from v4 flags, and an unknown flag exits 78', async () => {
  const origin = new Origin();
  origin.commit({ 'index.html': 'from flags' });
  const root = tempDir();
  const run = await runGitSync({}, [`--repo=${origin.url}`, `--root=${root}`, '--link=www', '--one-time']);
  assert.equal(run.code, 0, run.stdout() + run.stderr());
  assert.equal(readFileSync(join(root, 'www', 'index.html'), 'utf8'), 'from flags');
  const bad = await runGitSync({}, ['--repo=x', '--root=/x', '--no-such-flag']);
  assert.equal(bad.code, 78);
  assert.match(bad.stderr(), /unknown argument --no-such-flag/);
});

test('--sync-on-signal takes a number as v4 does: 1 is SIGHUP, and the SIGHUP syncs instead of killing', async () => {
  const origin = new Origin();
  origin.commit({ 'a.txt': '1' });
  const root = tempDir();
  const sync = await startGitSync({ GITSYNC_PERIOD: '1h' }, [
    `--repo=${origin.url}`,
    `--root=${root}`,
    '--sync-on-signal=1',
  ]);
  try {
    await waitFor(async () => (await sync.health()).status === 200, 30_000, 'first sync');
    origin.commit({ 'a.txt': '2' });
    sync.child.kill('SIGHUP');
    await waitFor(() => readFileSync(join(root, 'site', 'a.txt'), 'utf8') === '2', 20_000, 'synced on signal 1');
    assert.equal(sync.child.exitCode, null, 'still running');
  } finally {
    sync.kill();
  }
});

test('a sync starts at once on SIGHUP and on POST /sync to the loopback trigger', async () => {
  const origin = new Origin();
  origin.commit({ 'a.txt': '1' });
  const root = tempDir();
  const triggerPort = await freePort();
  const sync = await startGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: root,
    GITSYNC_PERIOD: '1h',
    GITSYNC_SYNC_ON_SIGNAL: 'SIGHUP',
    GITSYNC_TRIGGER_BIND: `127.0.0.1:${triggerPort}`,
  });
  try {
    const file = join(root, 'site', 'a.txt');
    // Generous waits (each ends as soon as the file changes): the period is an hour, so a sync
    // within them is the trigger's doing, however slowly a loaded machine runs git.
    await waitFor(async () => (await sync.health()).status === 200, 30_000, 'first sync');
    origin.commit({ 'a.txt': '2' });
    sync.child.kill('SIGHUP');
    await waitFor(() => readFileSync(file, 'utf8') === '2', 20_000, 'synced on SIGHUP');
    origin.commit({ 'a.txt': '3' });
    const res = await fetch(`http://127.0.0.1:${triggerPort}/sync`, { method: 'POST' });
    assert.equal(res.status, 202);
    await waitFor(() => readFileSync(file, 'utf8') === '3', 20_000, 'synced on POST');
    assert.equal((await fetch(`http://127.0.0.1:${triggerPort}/sync`)).status, 405);
  } finally {
    sync.kill();
  }
  const bad = await runGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root, GITSYNC_SYNC_ON_SIGNAL: 'SIGTERM' });
  assert.equal(bad.code, 78);
  assert.match(bad.stderr(), /SIGTERM cannot start a sync/);
  const unknown = await runGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root, GITSYNC_SYNC_ON_SIGNAL: '99' });
  assert.equal(unknown.code, 78);
  assert.match(unknown.stderr(), /"99" is not a signal on this system/);
  const exposed = await runGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: root,
    GITSYNC_TRIGGER_BIND: '0.0.0.0:8091',
  });
  assert.equal(exposed.code, 78);
  assert.match(exposed.stderr(), /GITSYNC_TRIGGER_BIND must be a loopback address/);
});

test('paths as v4 resolves them: a relative --root, --link as a path under the root or absolute, relative touch and error files under the root', async () => {
  const origin = new Origin();
  const sha = origin.commit({ 'index.html': 'paths' });
  const cwd = tempDir();
  const relative = await runGitSync(
    {},
    [`--repo=${origin.url}`, '--root=rel-root', '--link=sub/dir/site', '--touch-file=touched', '--one-time'],
    { cwd },
  );
  assert.equal(relative.code, 0, relative.stdout() + relative.stderr());
  const root = join(cwd, 'rel-root');
  assert.equal(readFileSync(join(root, 'sub', 'dir', 'site', 'index.html'), 'utf8'), 'paths');
  assert.match(readlinkSync(join(root, 'sub', 'dir', 'site')), new RegExp(`^\\.\\./\\.\\./\\.worktrees/\\d+/${sha}$`));
  assert.ok(existsSync(join(root, 'touched')), 'the touch file is under the root');
  assert.equal(existsSync(join(cwd, 'touched')), false, 'not in the working directory');

  const elsewhere = tempDir();
  const absolute = await runGitSync({}, [
    `--repo=${origin.url}`,
    `--root=${join(elsewhere, 'root')}`,
    `--link=${join(elsewhere, 'links', 'live')}`,
    '--one-time',
  ]);
  assert.equal(absolute.code, 0, absolute.stdout() + absolute.stderr());
  assert.equal(readFileSync(join(elsewhere, 'links', 'live', 'index.html'), 'utf8'), 'paths');

  const failing = await runGitSync(
    { GITSYNC_REF: 'no-such-branch' },
    [`--repo=${origin.url}`, '--root=err-root', '--error-file=last-error', '--one-time'],
    { cwd },
  );
  assert.notEqual(failing.code, 0);
  assert.match(readFileSync(join(cwd, 'err-root', 'last-error'), 'utf8'), /no-such-branch/);
  assert.equal(existsSync(join(cwd, 'last-error')), false);

  for (const link of ['.git/site', '.worktrees/x', '.']) {
    const bad = await runGitSync({}, [`--repo=${origin.url}`, `--root=${join(cwd, 'bad')}`, `--link=${link}`]);
    assert.equal(bad.code, 78, link);
    assert.match(bad.stderr(), /GITSYNC_LINK/, link);
  }
});

test('v4 flags that are not supported, and their variables, exit 78 naming the flag and what to use instead', async () => {
  assert.deepEqual(flagsToEnv(['--filter', 'blob:none', '--branch=main', '--ssh', '--root=/r']), {
    env: { GITSYNC_ROOT: '/r' },
    rest: [],
    problems: [
      `--filter is not supported: ${UNSUPPORTED.filter?.why}`,
      '--branch is not supported: deprecated in v4: use --ref',
      `--ssh is not supported: ${UNSUPPORTED.ssh?.why}`,
    ],
  });
  const root = tempDir();
  const flag = await runGitSync({}, ['--repo=file:///nowhere', `--root=${root}`, '--git-gc=aggressive']);
  assert.equal(flag.code, 78);
  assert.match(flag.stderr(), /--git-gc is not supported: `git gc --auto` runs after each new revision/);
  const variable = await runGitSync({ GITSYNC_GITHUB_APP_CLIENT_ID: 'x', GIT_SYNC_REPO: 'file:///nowhere' }, [
    `--root=${root}`,
  ]);
  assert.equal(variable.code, 78);
  assert.match(variable.stderr(), /GITSYNC_GITHUB_APP_CLIENT_ID \(--github-app-client-id\) is not supported/);
  assert.match(variable.stderr(), /GIT_SYNC_REPO is git-sync v3's name: use GITSYNC_REPO/);
  assert.deepEqual(readdirSync(root), [], 'nothing was written');
});

test('--http-pprof is accepted, as v4 manifests carry it, and says it has no effect', async () => {
  const origin = new Origin();
  origin.commit({ 'a.txt': 'pprof' });
  const run = await runGitSync({}, [`--repo=${origin.url}`, `--root=${tempDir()}`, '--one-time', '--http-pprof']);
  assert.equal(run.code, 0, run.stdout() + run.stderr());
  assert.ok(run.logs().some((line) => line.level === 'warn' && /--http-pprof has no effect/.test(String(line.msg))));
});

test('--add-user gives a uid with no passwd entry one, so ssh and the exechook can run (read-only /etc/passwd: through nss_wrapper)', {
  skip: process.getuid?.() !== 0 && 'running as another uid needs root',
}, async () => {
  const uid = 54321; // in no /etc/passwd, as a pod's runAsUser often is
  // The other uid runs the built git-sync from where it is: every folder above it must let it by.
  const closed = ancestors(entrypoint).find((d) => (statSync(d).mode & 0o001) === 0);
  assert.equal(
    closed,
    undefined,
    `uid ${uid} cannot reach ${entrypoint}: ${closed} is closed to other users (chmod o+x it; mktemp -d makes 0700 folders)`,
  );
  const origin = new Origin();
  origin.commit({ 'a.txt': 'as another uid' });
  chmodSync(dirname(origin.dir), 0o755);
  const dir = tempDir();
  chownSync(dir, uid, uid);
  // ssh -G reads its config and connects nowhere, but first looks the user up, as every ssh does.
  const hook = join(dir, 'who');
  writeFileSync(
    hook,
    `#!/bin/sh\nname=$(id -un) && ssh -G example.invalid > /dev/null && echo "$name" > '${join(dir, 'name')}'\n`,
  );
  chmodSync(hook, 0o755);
  const run = (addUser: boolean) =>
    runGitSync(
      { HOME: dir, GITSYNC_EXECHOOK_COMMAND: hook },
      [
        `--repo=${origin.url}`,
        `--root=${join(dir, addUser ? 'with' : 'without')}`,
        '--one-time',
        '--git-config-add=safe.directory:*', // the origin is root's
        ...(addUser ? ['--add-user'] : []),
      ],
      { uid },
    );
  const without = await run(false);
  assert.equal(without.code, 1, 'the exechook fails: the uid has no name');
  assert.equal(existsSync(join(dir, 'name')), false);
  const added = await run(true);
  assert.equal(added.code, 0, added.stdout() + added.stderr());
  assert.equal(readFileSync(join(dir, 'name'), 'utf8'), 'git-sync\n');
  assert.ok(
    added.logs().some((line) => line.msg === 'add-user: the uid has a passwd entry' && line.how === 'nss-wrapper'),
  );
  assert.doesNotMatch(readFileSync('/etc/passwd', 'utf8'), /^git-sync:x:54321:/m, '/etc/passwd is left alone');
});

/** The folders above a path, nearest first. */
function ancestors(path: string): string[] {
  const found: string[] = [];
  for (let d = dirname(path); d !== dirname(d); d = dirname(d)) found.push(d);
  return found;
}
