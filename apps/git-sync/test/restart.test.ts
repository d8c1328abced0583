import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '@pod-patterns/testing';
import { Origin, startGitSync, tempDir } from './helpers.js';

async function syncedRoot(origin: Origin): Promise<string> {
  const root = tempDir();
  const first = await startGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root });
  await waitFor(async () => (await first.health()).status === 200, 30_000, 'first sync');
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
  return root;
}

test('a restart verifies the live tree and does not touch it', async () => {
  const origin = new Origin();
  origin.commit({ 'index.html': 'v1' });
  const root = await syncedRoot(origin);
  const link = readlinkSync(join(root, 'site'));
  const file = join(root, 'site', 'index.html');
  const before = statSync(file);
  const again = await startGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root });
  try {
    await again.waitForLog('published tree verified');
    await waitFor(async () => (await again.health()).status === 200, 30_000, 'synced');
    assert.equal(readlinkSync(join(root, 'site')), link, 'same link');
    const after = statSync(file);
    assert.equal(after.ino, before.ino, 'same file');
    assert.equal(after.mtimeMs, before.mtimeMs, 'not rewritten');
    assert.match(await again.metrics(), /^git_sync_count_total\{status="noop"\} [1-9]/m);
  } finally {
    again.kill();
  }
});

test('a modified live tree is rebuilt beside it and swapped in, never reset in place', async () => {
  const origin = new Origin();
  const sha = origin.commit({ 'index.html': 'v1' });
  const root = await syncedRoot(origin);
  const oldTree = join(root, readlinkSync(join(root, 'site')));
  writeFileSync(join(oldTree, 'index.html'), 'tampered');
  const sync = await startGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root });
  try {
    await sync.waitForLog('published tree failed verification; rebuilding it beside the live one');
    await waitFor(() => readFileSync(join(root, 'site', 'index.html'), 'utf8') === 'v1', 30_000, 'rebuilt');
    const newTarget = readlinkSync(join(root, 'site'));
    assert.match(newTarget, new RegExp(`^\\.worktrees/\\d+/${sha}$`), 'a new generation, basename still the SHA');
    assert.notEqual(join(root, newTarget), oldTree);
    assert.equal(
      readFileSync(join(oldTree, 'index.html'), 'utf8'),
      'tampered',
      'the old tree was left for its readers',
    );
  } finally {
    sync.kill();
  }
});

test('a corrupt repository keeps the last link published while it is rebuilt', async () => {
  const origin = new Origin();
  origin.commit({ 'index.html': 'v1' });
  const root = await syncedRoot(origin);
  const link = readlinkSync(join(root, 'site'));
  rmSync(join(root, '.git', 'objects'), { recursive: true, force: true });
  writeFileSync(join(root, '.git', 'HEAD'), 'garbage\n');
  origin.commit({ 'index.html': 'v2' });
  const sync = await startGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root, GITSYNC_PERIOD: '1s' });
  try {
    await sync.waitForLog('repository missing or damaged; creating it afresh beside the published tree');
    assert.ok(lstatSync(join(root, 'site')).isSymbolicLink());
    const during = readlinkSync(join(root, 'site'));
    assert.ok(
      during === link || readFileSync(join(root, 'site', 'index.html'), 'utf8') === 'v2',
      'the link never dangles',
    );
    await waitFor(
      () => readFileSync(join(root, 'site', 'index.html'), 'utf8') === 'v2',
      30_000,
      'v2 after the rebuild',
    );
  } finally {
    sync.kill();
  }
});

test('lock files left by a killed git are removed at start', async () => {
  const origin = new Origin();
  origin.commit({ 'index.html': 'v1' });
  const root = await syncedRoot(origin);
  const worktreeMeta = readdirSync(join(root, '.git', 'worktrees'))[0] as string;
  const locks = [
    join(root, '.git', 'index.lock'),
    join(root, '.git', 'shallow.lock'),
    join(root, '.git', 'worktrees', worktreeMeta, 'index.lock'),
  ];
  for (const lock of locks) writeFileSync(lock, '');
  origin.commit({ 'index.html': 'v2' });
  const sync = await startGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root });
  try {
    await waitFor(
      () => readFileSync(join(root, 'site', 'index.html'), 'utf8') === 'v2',
      30_000,
      'synced past the locks',
    );
    for (const lock of locks) assert.equal(existsSync(lock), false, lock);
    const removed = sync
      .logs()
      .filter((l) => l.msg === 'removed a lock file left by a killed git')
      .map((l) => l.lock);
    assert.deepEqual([...removed].sort(), [...locks].sort());
  } finally {
    sync.kill();
  }
});
