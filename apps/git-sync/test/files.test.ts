import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { waitFor } from '@pod-patterns/testing';
import { git, Origin, runGitSync, startGitHttp, startGitSync, tempDir } from './helpers.js';

const run = promisify(execFile);

test('the touch file is touched after each new revision; group-write makes the tree g+w', async () => {
  const origin = new Origin();
  origin.commit({ 'dir/a.txt': 'one' });
  const dir = tempDir();
  const touch = join(dir, 'synced');
  const root = join(dir, 'root');
  const sync = await startGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: root,
    GITSYNC_TOUCH_FILE: touch,
    GITSYNC_GROUP_WRITE: 'true',
  });
  try {
    await waitFor(() => existsSync(touch), 30_000, 'touch file created');
    const first = statSync(touch).mtimeMs;
    for (const path of ['', 'dir', 'dir/a.txt']) {
      assert.ok((statSync(join(root, 'site', path)).mode & 0o020) !== 0, `${path || 'the tree'} is group-writable`);
    }
    await new Promise((r) => setTimeout(r, 50));
    origin.commit({ 'dir/a.txt': 'two' });
    await waitFor(() => statSync(touch).mtimeMs > first, 30_000, 'touched again on the new revision');
    assert.equal(readFileSync(join(root, 'site', 'dir', 'a.txt'), 'utf8'), 'two');
  } finally {
    sync.kill();
  }
});

test('submodules are checked out (recursive by default), and left out with --submodules=off', async () => {
  const parent = tempDir('origins-');
  const lib = new Origin(parent);
  lib.commit({ 'lib.txt': 'from the submodule' });
  // The main repository lives beside it; both are served over smart HTTP.
  const mainDir = join(parent, 'main.git');
  git(parent, 'init', '--quiet', '-b', 'main', mainDir);
  git(mainDir, 'config', 'user.email', 't@example.com');
  git(mainDir, 'config', 'user.name', 'T');
  const http = await startGitHttp(parent);
  try {
    writeFileSync(join(mainDir, 'index.html'), 'main');
    // Async: the HTTP server answering this clone runs in this very process.
    await run('git', ['submodule', '--quiet', 'add', `${http.url}/site.git`, 'vendor/lib'], { cwd: mainDir });
    git(mainDir, 'add', '-A');
    git(mainDir, 'commit', '--quiet', '-m', 'with a submodule');

    const root = tempDir();
    const synced = await runGitSync({
      GITSYNC_REPO: `${http.url}/main.git`,
      GITSYNC_ROOT: root,
      GITSYNC_ONE_TIME: 'true',
    });
    assert.equal(synced.code, 0, synced.stdout());
    assert.equal(readFileSync(join(root, 'site', 'vendor', 'lib', 'lib.txt'), 'utf8'), 'from the submodule');

    const off = tempDir();
    const without = await runGitSync({
      GITSYNC_REPO: `${http.url}/main.git`,
      GITSYNC_ROOT: off,
      GITSYNC_ONE_TIME: 'true',
      GITSYNC_SUBMODULES: 'off',
    });
    assert.equal(without.code, 0);
    assert.equal(existsSync(join(off, 'site', 'vendor', 'lib', 'lib.txt')), false);
    assert.equal(readFileSync(join(off, 'site', 'index.html'), 'utf8'), 'main');
  } finally {
    await http.close();
  }
});
