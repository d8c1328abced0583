import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '@pod-patterns/testing';
import { Origin, runGitSync, startGitHttp, startGitSync, tempDir } from './helpers.js';

test('smart HTTP with basic auth: a rotated password file is picked up, no credential is ever written down, and the askpass folder goes at exit', async () => {
  const parent = tempDir('origin-');
  const origin = new Origin(parent);
  origin.commit({ 'index.html': 'one' });
  let serverPassword = 'first-s3cret-9f2c';
  const http = await startGitHttp(parent, { username: 'deploy', password: () => serverPassword });
  const dir = tempDir();
  const passwordFile = join(dir, 'password');
  const errorFile = join(dir, 'error');
  writeFileSync(passwordFile, `${serverPassword}\n`);
  const root = join(dir, 'root');
  const privateTmp = tempDir('git-sync-tmp-');
  const sync = await startGitSync({
    TMPDIR: privateTmp,
    GITSYNC_REPO: `${http.url}/site.git`,
    GITSYNC_ROOT: root,
    GITSYNC_USERNAME: 'deploy',
    GITSYNC_PASSWORD_FILE: passwordFile,
    GITSYNC_ERROR_FILE: errorFile,
    GITSYNC_MAX_FAILURES: '-1',
    GITSYNC_PERIOD: '150ms',
    LOG_LEVEL: 'trace',
  });
  try {
    const file = join(root, 'site', 'index.html');
    await waitFor(() => existsSync(file), 15_000, 'first sync over HTTP');
    assert.equal(readFileSync(file, 'utf8'), 'one');

    // The server's password rotates; until the mounted file follows, syncs fail with a clear cause.
    const oldPassword = serverPassword;
    serverPassword = 'second-s3cret-71ad';
    origin.commit({ 'index.html': 'two' });
    await waitFor(() => existsSync(errorFile), 15_000, 'an auth failure');
    assert.match(readFileSync(errorFile, 'utf8'), /authentication to http:\/\/127.0.0.1:\d+\/site.git failed/);
    assert.equal(readFileSync(file, 'utf8'), 'one', 'the last good revision stays published');

    writeFileSync(passwordFile, serverPassword); // the Secret is updated in place
    await waitFor(() => readFileSync(file, 'utf8') === 'two', 15_000, 'synced with the new password');
    await waitFor(() => !existsSync(errorFile), 15_000, 'error file removed on success');

    const everything = [sync.stdout(), sync.stderr(), readFileSync(join(root, '.git', 'config'), 'utf8')].join('\n');
    for (const secret of [oldPassword, serverPassword, Buffer.from(`deploy:${oldPassword}`).toString('base64')]) {
      assert.doesNotMatch(everything, new RegExp(secret), 'no credential in logs or .git/config');
    }
    assert.match(readFileSync(join(root, '.git', 'config'), 'utf8'), new RegExp(`url = ${http.url}/site.git\\n`));
    const worktreeConfigs = readdirSync(join(root, '.git', 'worktrees')).map((w) =>
      readFileSync(join(root, '.git', 'worktrees', w, 'gitdir'), 'utf8'),
    );
    assert.ok(worktreeConfigs.every((c) => !c.includes(serverPassword)));

    const [privateDir] = readdirSync(privateTmp);
    assert.deepEqual(readdirSync(join(privateTmp, privateDir as string)).sort(), ['askpass', 'gitconfig']);
    const gitConfig = readFileSync(join(privateTmp, privateDir as string, 'gitconfig'), 'utf8');
    assert.ok(
      !gitConfig.includes(oldPassword) && !gitConfig.includes(serverPassword),
      'no credential in the git config',
    );
    sync.child.kill('SIGTERM');
    assert.equal(await sync.exited, 0);
    assert.deepEqual(readdirSync(privateTmp), [], 'the private folder is removed at exit');
  } finally {
    sync.kill();
    await http.close();
  }
});

test('a URL with a password in it is refused at start', async () => {
  const run = await runGitSync({
    GITSYNC_REPO: 'https://deploy:hunter2-xyz@example.com/r.git',
    GITSYNC_ROOT: tempDir(),
  });
  assert.equal(run.code, 78);
  assert.match(run.stderr(), /GITSYNC_REPO holds a password/);
  assert.doesNotMatch(run.stderr() + run.stdout(), /hunter2-xyz/);
});
