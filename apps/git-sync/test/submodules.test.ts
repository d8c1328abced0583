// Submodules from file:// remotes, as v4's submodule_sync_* end-to-end cases build them: a main
// repository with a submodule that has a nested submodule of its own, synced in each of the three
// modes, then the submodule removed upstream. git 2.38 and later refuse the file transport for
// submodules; as in v4, git-sync keeps that default and says how to allow it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { git, Origin, runGitSync, tempDir } from './helpers.js';

const ALLOW_FILE = { GITSYNC_GIT_CONFIG: 'protocol.file.allow:always' };

/** main ⊃ sub ⊃ leaf, each a real repository, linked by file:// URLs. */
function nestedRepos(): { main: Origin; removeSub(): void } {
  const parent = tempDir('submodules-');
  const leaf = new Origin(join(parent, 'leaf'));
  leaf.commit({ 'leaf.txt': 'from the nested submodule' });
  const sub = new Origin(join(parent, 'sub'));
  sub.commit({ 'sub.txt': 'from the submodule' });
  git(sub.dir, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', leaf.url, 'leaf');
  git(sub.dir, 'commit', '-qm', 'the nested submodule');
  const main = new Origin(join(parent, 'main'));
  main.commit({ 'index.html': 'main' });
  git(main.dir, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub.url, 'sub');
  git(main.dir, 'commit', '-qm', 'the submodule');
  return {
    main,
    removeSub() {
      git(main.dir, 'rm', '-q', 'sub');
      git(main.dir, 'commit', '-qm', 'the submodule removed');
    },
  };
}

const sync = (repo: Origin, root: string, submodules: string, extra: Record<string, string> = ALLOW_FILE) =>
  runGitSync({
    GITSYNC_REPO: repo.url,
    GITSYNC_ROOT: root,
    GITSYNC_ONE_TIME: 'true',
    GITSYNC_SUBMODULES: submodules,
    ...extra,
  });
const empty = (dir: string) => !existsSync(dir) || readdirSync(dir).length === 0;

test('recursive (the default): the submodule and its nested one are checked out; removed upstream, it goes', async () => {
  const { main, removeSub } = nestedRepos();
  const root = tempDir();
  const run = await sync(main, root, 'recursive');
  assert.equal(run.code, 0, run.stdout());
  assert.equal(readFileSync(join(root, 'site', 'sub', 'sub.txt'), 'utf8'), 'from the submodule');
  assert.equal(readFileSync(join(root, 'site', 'sub', 'leaf', 'leaf.txt'), 'utf8'), 'from the nested submodule');
  removeSub();
  const again = await sync(main, root, 'recursive');
  assert.equal(again.code, 0, again.stdout());
  assert.equal(existsSync(join(root, 'site', 'sub')), false, 'the removed submodule is gone from the published tree');
  assert.equal(readFileSync(join(root, 'site', 'index.html'), 'utf8'), 'main');
});

test('shallow: the submodule only, its nested one left out; off: none', async () => {
  const { main } = nestedRepos();
  const shallow = tempDir();
  const run = await sync(main, shallow, 'shallow');
  assert.equal(run.code, 0, run.stdout());
  assert.equal(readFileSync(join(shallow, 'site', 'sub', 'sub.txt'), 'utf8'), 'from the submodule');
  assert.ok(empty(join(shallow, 'site', 'sub', 'leaf')), 'the nested submodule is not checked out');
  const off = tempDir();
  const none = await sync(main, off, 'off');
  assert.equal(none.code, 0, none.stdout());
  assert.ok(empty(join(off, 'site', 'sub')), 'no submodule is checked out');
  assert.equal(readFileSync(join(off, 'site', 'index.html'), 'utf8'), 'main');
});

test('without protocol.file.allow, a file:// submodule fails the sync with a message that says how to allow it', async () => {
  const { main } = nestedRepos();
  const root = tempDir();
  const run = await sync(main, root, 'recursive', { GITSYNC_MAX_FAILURES: '0' });
  assert.notEqual(run.code, 0);
  assert.match(run.stdout() + run.stderr(), /set GITSYNC_GIT_CONFIG=protocol\.file\.allow:always/);
  assert.equal(existsSync(join(root, 'site')), false, 'nothing half-synced is published');
});
