// Behaviour that tools written for kubernetes/git-sync v4 rely on, while git-sync runs.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '@pod-patterns/testing';
import { git, Origin, runGitSync, startGitSync, tempDir } from './helpers.js';

const count = (metrics: string, series: string) =>
  Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN);

test('git_fetch_count_total counts only fetches that brought something: not a loop over the same commit, nor a SHA we have', async () => {
  const origin = new Origin();
  const first = origin.commit({ 'a.txt': '1' });
  const sync = await startGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: tempDir(), GITSYNC_PERIOD: '100ms' });
  try {
    // Many loops over an unchanged branch.
    await waitFor(async () => count(await sync.metrics(), 'git_sync_count_total{status="noop"}') >= 5, 30_000, 'loops');
    assert.equal(count(await sync.metrics(), 'git_fetch_count_total'), 1);
    origin.commit({ 'a.txt': '2' });
    await waitFor(
      async () => count(await sync.metrics(), 'git_sync_count_total{status="success"}') === 2,
      30_000,
      'the new commit',
    );
    assert.equal(count(await sync.metrics(), 'git_fetch_count_total'), 2);
  } finally {
    sync.kill();
  }
  const pinned = await startGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: tempDir(),
    GITSYNC_REF: first,
    GITSYNC_PERIOD: '100ms',
  });
  try {
    await waitFor(
      async () => count(await pinned.metrics(), 'git_sync_count_total{status="noop"}') >= 5,
      30_000,
      'loops',
    );
    assert.equal(count(await pinned.metrics(), 'git_fetch_count_total'), 1, 'a SHA already here is not fetched again');
  } finally {
    pinned.kill();
  }
});

test('the touch file is touched after the success count moves: a reader it wakes never reads a count one short', async () => {
  const origin = new Origin();
  origin.commit({ 'a.txt': '0' });
  const dir = tempDir();
  const touch = join(dir, 'touched');
  const sync = await startGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: join(dir, 'root'),
    GITSYNC_TOUCH_FILE: touch,
  });
  try {
    let seen = 0;
    for (let revision = 1; revision <= 4; revision++) {
      if (revision > 1) origin.commit({ 'a.txt': String(revision) });
      const mtime = await waitFor(
        () => {
          const m = statSync(touch, { throwIfNoEntry: false })?.mtimeMs ?? 0;
          return m > seen ? m : 0;
        },
        30_000,
        `touch ${revision}`,
      );
      seen = mtime;
      // Read at once, as a reader woken by the touch would.
      assert.ok(
        count(await sync.metrics(), 'git_sync_count_total{status="success"}') >= revision,
        `count at touch ${revision}`,
      );
      await new Promise((r) => setTimeout(r, 20)); // a later mtime for the next touch
    }
  } finally {
    sync.kill();
  }
});

test('a live worktree tampered with while git-sync runs is rebuilt on the next sync, beside it', async () => {
  const origin = new Origin();
  const sha = origin.commit({ 'index.html': 'good' });
  const root = tempDir();
  const sync = await startGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root });
  try {
    await waitFor(async () => (await sync.health()).status === 200, 30_000, 'first sync');
    const before = readlinkSync(join(root, 'site'));
    writeFileSync(join(root, 'site', 'index.html'), 'tampered');
    await waitFor(() => readlinkSync(join(root, 'site')) !== before, 30_000, 'rebuilt');
    assert.equal(readFileSync(join(root, 'site', 'index.html'), 'utf8'), 'good');
    assert.match(readlinkSync(join(root, 'site')), new RegExp(`/${sha}$`), 'the same commit, a new generation');
    assert.ok(sync.logs().some((l) => l.msg === 'live worktree tampered with; rebuilding it'));
  } finally {
    sync.kill();
  }
});

test("v4's worktree_unexpected_removal: the live worktree deleted under git-sync is rebuilt on the next sync", async () => {
  const origin = new Origin();
  origin.commit({ 'index.html': 'kept' });
  const root = tempDir();
  const sync = await startGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root });
  try {
    await waitFor(async () => (await sync.health()).status === 200, 30_000, 'first sync');
    rmSync(join(root, '.worktrees'), { recursive: true, force: true });
    await waitFor(
      () =>
        existsSync(join(root, 'site', 'index.html')) &&
        readFileSync(join(root, 'site', 'index.html'), 'utf8') === 'kept',
      30_000,
      'rebuilt',
    );
    assert.equal((await sync.health()).status, 200);
  } finally {
    sync.kill();
  }
});

test("v4's sync_recover_wrong_worktree_hash: a commit made inside the live worktree is undone by a rebuild", async () => {
  const origin = new Origin();
  const sha = origin.commit({ file: 'sync_recover_wrong_worktree_hash' });
  const root = tempDir();
  const sync = await startGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root, GITSYNC_LINK: 'link' });
  try {
    await waitFor(async () => (await sync.health()).status === 200, 30_000, 'first sync');
    writeFileSync(join(root, 'link', 'file'), 'unexpected');
    git(join(root, 'link'), '-c', 'user.name=x', '-c', 'user.email=x@example.com', 'commit', '-qam', 'corrupt it');
    await waitFor(
      () => readFileSync(join(root, 'link', 'file'), 'utf8') === 'sync_recover_wrong_worktree_hash',
      30_000,
      'recovered',
    );
    assert.equal(git(join(root, 'link'), 'rev-parse', 'HEAD'), sha);
    assert.equal(count(await sync.metrics(), 'git_sync_count_total{status="success"}'), 2, 'the rebuild is a sync');
    // v4 reads 2 here (it fetches again); the rebuild here uses the objects it has (README: differences).
    assert.equal(count(await sync.metrics(), 'git_fetch_count_total'), 1, 'the repair asks the remote for nothing');
  } finally {
    sync.kill();
  }
});

test("a changed --depth across restarts is fetched, as v4's e2e sync_depth_change: history of 1, 2, 1, then all", async () => {
  const origin = new Origin();
  for (const n of [1, 2, 3]) origin.commit({ 'a.txt': String(n) });
  const root = tempDir();
  const depths: number[] = [];
  for (const depth of ['1', '2', '1', '0']) {
    const run = await runGitSync({
      GITSYNC_REPO: origin.url,
      GITSYNC_ROOT: root,
      GITSYNC_ONE_TIME: 'true',
      GITSYNC_DEPTH: depth,
    });
    assert.equal(run.code, 0, run.stderr());
    depths.push(Number(git(join(root, 'site'), 'rev-list', '--count', 'HEAD')));
  }
  assert.deepEqual(depths, [1, 2, 1, 3]);
});
