import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
    await waitFor(async () => (await sync.health()).status === 200, 10_000, 'first sync');
    origin.commit({ 'a.txt': '2' });
    sync.child.kill('SIGHUP');
    await waitFor(() => readFileSync(file, 'utf8') === '2', 5000, 'synced on SIGHUP');
    origin.commit({ 'a.txt': '3' });
    const res = await fetch(`http://127.0.0.1:${triggerPort}/sync`, { method: 'POST' });
    assert.equal(res.status, 202);
    await waitFor(() => readFileSync(file, 'utf8') === '3', 5000, 'synced on POST');
    assert.equal((await fetch(`http://127.0.0.1:${triggerPort}/sync`)).status, 405);
  } finally {
    sync.kill();
  }
  const exposed = await runGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: root,
    GITSYNC_TRIGGER_BIND: '0.0.0.0:8091',
  });
  assert.equal(exposed.code, 78);
  assert.match(exposed.stderr(), /GITSYNC_TRIGGER_BIND must be a loopback address/);
});
