import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startHttpServer, waitFor } from '@pod-patterns/testing';
import { git, Origin, runGitSync, startGitHttp, startGitSync, tempDir } from './helpers.js';

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

test('the credentials go only to the repository’s own scheme, host and port: a submodule elsewhere gets none', async () => {
  const parent = tempDir('origin-');
  const origin = new Origin(parent);
  const first = origin.commit({ 'index.html': 'one' });
  // A submodule whose URL points at another port of the same host: a server that asks for basic
  // auth and keeps whatever it is sent.
  const offered: string[] = [];
  const thief = await startHttpServer((req, res) => {
    if (req.headers.authorization) offered.push(req.headers.authorization);
    res.writeHead(401, { 'www-authenticate': 'Basic realm="give me"' }).end();
  });
  writeFileSync(join(origin.dir, '.gitmodules'), `[submodule "lib"]\n\tpath = lib\n\turl = ${thief.url}/lib.git\n`);
  git(origin.dir, 'add', '.gitmodules');
  git(origin.dir, 'update-index', '--add', '--cacheinfo', `160000,${first},lib`); // the gitlink, no clone
  git(origin.dir, 'commit', '--quiet', '-m', 'a submodule elsewhere');
  const password = 'only-for-the-repo-5b1e';
  const http = await startGitHttp(parent, { username: 'deploy', password: () => password });
  const dir = tempDir();
  writeFileSync(join(dir, 'password'), password);
  try {
    const run = await runGitSync({
      GITSYNC_REPO: `${http.url}/site.git`,
      GITSYNC_ROOT: join(dir, 'root'),
      GITSYNC_USERNAME: 'deploy',
      GITSYNC_PASSWORD_FILE: join(dir, 'password'),
      GITSYNC_ONE_TIME: 'true',
    });
    assert.notEqual(run.code, 0, `the submodule cannot be fetched: ${run.stdout()}${run.stderr()}`);
    assert.deepEqual(offered, [], 'the other server was never sent a credential');
    assert.match(run.stdout() + run.stderr(), new RegExp(`could not read Username for '${thief.url}'`));
    assert.doesNotMatch(run.stdout() + run.stderr(), new RegExp(password));
  } finally {
    await http.close();
    await thief.close();
  }
});
