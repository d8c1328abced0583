import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '@pod-patterns/testing';
import { git, Origin, runGitSync, startGitSync, tempDir } from './helpers.js';

test('first sync: the v4 layout, / goes 503 -> 200, and the metrics count it', async () => {
  const origin = new Origin();
  const sha = origin.commit({ 'index.html': 'v1' });
  const root = tempDir();
  // A remote that needs a moment: / is 503 until the first sync succeeds.
  const sync = await startGitSync({
    GITSYNC_REPO: 'file:///nonexistent/yet.git',
    GITSYNC_ROOT: root,
    GITSYNC_LINK: 'site',
    GITSYNC_MAX_FAILURES: '-1',
  });
  try {
    assert.equal((await sync.health()).status, 503);
  } finally {
    sync.kill();
  }
  const good = await startGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root, GITSYNC_LINK: '' }); // v4's default name
  try {
    await waitFor(async () => (await good.health()).status === 200, 30_000, 'first sync');
    assert.equal(basename(readlinkSync(join(root, 'site.git'))), sha, 'link named after the repo, basename = SHA');
    assert.match(readlinkSync(join(root, 'site.git')), /^\.worktrees\/\d+\/[0-9a-f]{40}$/);
    assert.equal(readFileSync(join(root, 'site.git', 'index.html'), 'utf8'), 'v1');
    assert.equal((await good.health()).body.synced, sha);
    const metrics = await good.metrics();
    assert.match(metrics, /^git_sync_count_total\{status="success"\} 1$/m);
    assert.match(metrics, /^git_fetch_count_total [1-9]\d*$/m);
    assert.match(metrics, /^git_sync_last_success_timestamp_seconds \d+/m);
    assert.match(metrics, /^git_sync_consecutive_failures 0$/m);
    assert.match(metrics, /^git_sync_duration_seconds_count\{status="success"\} 1$/m);
  } finally {
    good.kill();
  }
});

test('a new commit is published atomically: a reader loop never misses a file', async () => {
  const origin = new Origin();
  origin.commit({ 'index.html': 'rev 0' });
  const root = tempDir();
  const sync = await startGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: root,
    GITSYNC_LINK: 'site',
    GITSYNC_PERIOD: '100ms',
  });
  try {
    const file = join(root, 'site', 'index.html');
    await waitFor(() => existsSync(file), 30_000, 'first sync');
    let stop = false;
    const errors: string[] = [];
    const seen = new Set<string>();
    const reader = (async () => {
      while (!stop) {
        try {
          seen.add(readFileSync(file, 'utf8'));
        } catch (error) {
          errors.push((error as Error).message);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 1; i <= 5; i++) {
      origin.commit({ 'index.html': `rev ${i}` });
      await waitFor(() => readFileSync(file, 'utf8') === `rev ${i}`, 30_000, `rev ${i}`);
    }
    stop = true;
    await reader;
    assert.deepEqual(errors, []);
    assert.ok(seen.size >= 5);
    // The link moves before the sync finishes (cleanup, then the count), so wait for the count.
    await waitFor(
      async () => /^git_sync_count_total\{status="success"\} 6$/m.test(await sync.metrics()),
      15_000,
      'six successful syncs counted',
    );
  } finally {
    sync.kill();
  }
});

test('a tag, a full SHA, and one-time mode exiting 0', async () => {
  const origin = new Origin();
  const first = origin.commit({ 'v.txt': 'one' });
  git(origin.dir, 'tag', '-a', 'v1.0.0', '-m', 'release');
  origin.commit({ 'v.txt': 'two' });
  const byTag = await runGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: tempDir(),
    GITSYNC_REF: 'v1.0.0',
    GITSYNC_ONE_TIME: 'true',
  });
  assert.equal(byTag.code, 0, byTag.stdout());
  const tagRoot = byTag.logs().find((l) => l.msg === 'syncing')?.root as string;
  assert.equal(readFileSync(join(tagRoot, 'site', 'v.txt'), 'utf8'), 'one', 'annotated tag peeled to its commit');
  assert.equal(basename(realpathSync(join(tagRoot, 'site'))), first);

  const root = tempDir();
  const bySha = await runGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: root,
    GITSYNC_REF: first,
    GITSYNC_ONE_TIME: 'true',
  });
  assert.equal(bySha.code, 0, bySha.stdout());
  assert.equal(readFileSync(join(root, 'site', 'v.txt'), 'utf8'), 'one');
});

test('depth 1 fetches one commit; depth 0 the whole history', async () => {
  const origin = new Origin();
  for (let i = 0; i < 5; i++) origin.commit({ 'n.txt': String(i) });
  const shallow = tempDir();
  assert.equal(
    (await runGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: shallow, GITSYNC_ONE_TIME: 'true' })).code,
    0,
  );
  assert.equal(git(join(shallow, 'site'), 'rev-list', '--count', 'HEAD'), '1');
  const full = tempDir();
  assert.equal(
    (await runGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: full, GITSYNC_ONE_TIME: 'true', GITSYNC_DEPTH: '0' }))
      .code,
    0,
  );
  assert.equal(git(join(full, 'site'), 'rev-list', '--count', 'HEAD'), '5');
});

test('sparse checkout publishes only the patterns', async () => {
  const origin = new Origin();
  origin.commit({ 'public/index.html': 'p', 'src/app.ts': 's', 'README.md': 'r' });
  const dir = tempDir();
  const patterns = join(dir, 'sparse');
  writeFileSync(patterns, '# only the site\n/public/\n');
  const root = join(dir, 'root');
  const run = await runGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: root,
    GITSYNC_ONE_TIME: 'true',
    GITSYNC_SPARSE_CHECKOUT_FILE: patterns,
  });
  assert.equal(run.code, 0, run.stdout());
  assert.equal(readFileSync(join(root, 'site', 'public', 'index.html'), 'utf8'), 'p');
  assert.equal(existsSync(join(root, 'site', 'src')), false);
  assert.equal(existsSync(join(root, 'site', 'README.md')), false);
});

test('a missing ref: a clear error naming it, the error file, and max-failures exits non-zero', async () => {
  const origin = new Origin();
  origin.commit({ 'a.txt': 'a' });
  const root = tempDir();
  const errorFile = join(tempDir(), 'error');
  const run = await runGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: root,
    GITSYNC_REF: 'no-such-branch',
    GITSYNC_MAX_FAILURES: '2',
    GITSYNC_ERROR_FILE: errorFile,
    GITSYNC_PERIOD: '50ms',
  });
  assert.equal(run.code, 1);
  const failures = run.logs().filter((l) => l.msg === 'sync failed; the last good revision stays published');
  assert.equal(failures.length, 3, 'max-failures 2 allows two, the third exits');
  assert.match(String(failures[0]?.error), /ref no-such-branch not found in file:\/\/.*site\.git/);
  assert.match(readFileSync(errorFile, 'utf8'), /ref no-such-branch not found/);
});

test('an unreachable remote is an error that names the cause', async () => {
  const run = await runGitSync({
    GITSYNC_REPO: 'http://127.0.0.1:1/nothing.git',
    GITSYNC_ROOT: tempDir(),
    GITSYNC_ONE_TIME: 'true',
  });
  assert.equal(run.code, 1);
  const failure = run.logs().find((l) => l.msg === 'sync failed; the last good revision stays published');
  assert.match(
    String(failure?.error),
    /remote http:\/\/127.0.0.1:1\/nothing.git unreachable: .*(Failed to connect|Connection refused)/,
  );
});

test('a force-push re-syncs cleanly; a deleted branch keeps the last good revision and says why', async () => {
  const origin = new Origin();
  origin.commit({ 'f.txt': 'base' });
  git(origin.dir, 'checkout', '--quiet', '-b', 'feature');
  origin.commit({ 'f.txt': 'feature 1' });
  const root = tempDir();
  const sync = await startGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: root,
    GITSYNC_REF: 'feature',
    GITSYNC_LINK: 'site',
    GITSYNC_MAX_FAILURES: '-1',
  });
  try {
    const file = join(root, 'site', 'f.txt');
    await waitFor(() => existsSync(file) && readFileSync(file, 'utf8') === 'feature 1', 30_000, 'feature 1');
    git(origin.dir, 'reset', '--quiet', '--hard', 'main'); // rewrite history: a force-push
    const rewritten = origin.commit({ 'f.txt': 'rewritten' });
    await waitFor(() => readFileSync(file, 'utf8') === 'rewritten', 30_000, 'rewritten history published');
    assert.equal(basename(realpathSync(join(root, 'site'))), rewritten);

    git(origin.dir, 'checkout', '--quiet', 'main');
    git(origin.dir, 'branch', '--quiet', '-D', 'feature');
    await sync.waitForLog((l) => l.msg === 'sync failed; the last good revision stays published', 30_000);
    const failure = sync.logs().find((l) => l.msg === 'sync failed; the last good revision stays published');
    assert.match(String(failure?.error), /ref feature not found .*deleted/);
    assert.equal(readFileSync(file, 'utf8'), 'rewritten', 'the last good revision is still published');
    assert.match(await sync.metrics(), /^git_sync_count_total\{status="error"\} [1-9]/m);
  } finally {
    sync.kill();
  }
});

test('superseded worktrees are removed after the stale timeout, never the live one', async () => {
  const origin = new Origin();
  origin.commit({ 'a.txt': '1' });
  const root = tempDir();
  const sync = await startGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: root,
    GITSYNC_LINK: 'site',
    GITSYNC_STALE_WORKTREE_TIMEOUT: '500ms',
  });
  try {
    await waitFor(() => existsSync(join(root, 'site', 'a.txt')), 30_000, 'first');
    origin.commit({ 'a.txt': '2' });
    await waitFor(() => readFileSync(join(root, 'site', 'a.txt'), 'utf8') === '2', 30_000, 'second');
    assert.equal(readdirSync(join(root, '.worktrees')).length, 2, 'the old tree is kept for readers at first');
    await waitFor(() => readdirSync(join(root, '.worktrees')).length === 1, 30_000, 'stale tree removed');
    assert.equal(readFileSync(join(root, 'site', 'a.txt'), 'utf8'), '2');
    // The folder goes first, then `git worktree prune` drops its entry: wait for both.
    await waitFor(
      () => git(root, '--git-dir', join(root, '.git'), 'worktree', 'list').split('\n').length === 2,
      30_000,
      'bare repo + one worktree',
    );
  } finally {
    sync.kill();
  }
});

test('/ turns 503 again when syncs have failed for longer than the threshold', async () => {
  const origin = new Origin();
  origin.commit({ 'a.txt': '1' });
  const root = tempDir();
  const sync = await startGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: root,
    GITSYNC_REF: 'main',
    GITSYNC_MAX_FAILURES: '-1',
    GITSYNC_UNHEALTHY_AFTER: '600ms',
  });
  try {
    await waitFor(async () => (await sync.health()).status === 200, 30_000, 'healthy');
    git(origin.dir, 'branch', '-m', 'main', 'renamed');
    await waitFor(async () => ((await sync.health()).body.consecutiveFailures as number) > 0, 30_000, 'failing');
    assert.equal((await sync.health()).status, 200, 'a short failure is tolerated');
    await waitFor(async () => (await sync.health()).status === 503, 30_000, 'unhealthy after the threshold');
    git(origin.dir, 'branch', '-m', 'renamed', 'main');
    await waitFor(async () => (await sync.health()).status === 200, 15_000, 'healthy again');
  } finally {
    sync.kill();
  }
});

test('symlinks in the repository are published as they are (the reader decides not to follow them out)', async () => {
  const origin = new Origin();
  symlinkSync('/etc/passwd', join(origin.dir, 'passwd'));
  origin.commit({ 'index.html': 'x' });
  const root = tempDir();
  const run = await runGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root, GITSYNC_ONE_TIME: 'true' });
  assert.equal(run.code, 0);
  assert.ok(lstatSync(join(root, 'site', 'passwd')).isSymbolicLink());
  assert.equal(readlinkSync(join(root, 'site', 'passwd')), '/etc/passwd');
});
