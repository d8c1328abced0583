import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, waitFor } from '@pod-patterns/testing';
import { flagsToEnv } from '../src/flags.js';
import { Origin, runGitSync, startGitSync, tempDir } from './helpers.js';

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
  ]);
  assert.deepEqual(parsed.env, {
    GITSYNC_REPO: 'https://example.com/r.git',
    GITSYNC_ROOT: '/git',
    GITSYNC_ONE_TIME: 'true',
    GITSYNC_DEPTH: '3',
    GITSYNC_VERBOSE: '5',
    GITSYNC_LINK: 'site',
    GITSYNC_GROUP_WRITE: 'false',
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
    cwd,
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
    cwd,
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
