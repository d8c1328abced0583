import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startHttpServer, waitFor } from '@pod-patterns/testing';
import { Origin, runGitSync, startGitSync, tempDir } from './helpers.js';

test('the webhook gets the hash, and a failed call is retried until it succeeds', async () => {
  let failuresLeft = 2;
  const server = await startHttpServer((_req, res) => {
    if (failuresLeft-- > 0) return void res.writeHead(500).end();
    res.writeHead(200).end();
  });
  const origin = new Origin();
  const sha = origin.commit({ 'a.txt': '1' });
  const sync = await startGitSync({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: tempDir(),
    GITSYNC_WEBHOOK_URL: `${server.url}/hook`,
    GITSYNC_WEBHOOK_BACKOFF: '100ms',
  });
  try {
    await waitFor(() => server.requests.length >= 3, 30_000, 'three webhook calls');
    assert.deepEqual(
      server.requests.map((r) => [r.method, r.url, r.headers['gitsync-hash']]),
      Array(3).fill(['POST', '/hook', sha]),
    );
    await waitFor(
      async () => /git_sync_hook_run_count_total\{name="webhook",status="success"\} 1/.test(await sync.metrics()),
      15_000,
      'success counted',
    );
    assert.match(await sync.metrics(), /git_sync_hook_run_count_total\{name="webhook",status="error"\} 2/);
  } finally {
    sync.kill();
    await server.close();
  }
});

test('the exechook runs in the new worktree with GITSYNC_HASH, and repository data is never shell-expanded', async () => {
  const origin = new Origin();
  const dir = tempDir();
  const out = join(dir, 'hook-out');
  const pwned = join(dir, 'pwned');
  // File names and content that a shell would run, if one were ever involved.
  const sha = origin.commit(
    {
      '$(touch PWNED)': 'x',
      '`touch PWNED`.html': 'y',
      'index.html': `$(touch ${pwned})`,
    },
    `$(touch ${pwned}); rm -rf /`,
  );
  const hook = join(dir, 'hook.mjs');
  writeFileSync(
    hook,
    // Written aside, then renamed: the test polls for the file and must never read it half-written.
    `#!${process.execPath}\nimport { readdirSync, renameSync, writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(`${out}.tmp`)}, JSON.stringify({ hash: process.env.GITSYNC_HASH, cwd: process.cwd(), files: readdirSync('.').sort() }));\nrenameSync(${JSON.stringify(`${out}.tmp`)}, ${JSON.stringify(out)});\n`,
  );
  chmodSync(hook, 0o755);
  const root = join(dir, 'root');
  const sync = await startGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root, GITSYNC_EXECHOOK_COMMAND: hook });
  try {
    await waitFor(() => existsSync(out), 30_000, 'exechook ran');
    const result = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(result.hash, sha);
    assert.match(result.cwd, new RegExp(`${root}/\\.worktrees/\\d+/${sha}$`));
    assert.ok(result.files.includes('$(touch PWNED)'), 'hostile names are published as they are');
    assert.equal(result.files.includes('PWNED'), false, 'nothing from the repository was run');
    assert.equal(existsSync(pwned), false, 'nothing from the repository was run');
  } finally {
    sync.kill();
  }
});

test('--one-time: a hook that fails exits 1 after its one run (v4), and one that succeeds exits 0', async () => {
  const origin = new Origin();
  origin.commit({ 'index.html': 'one' });
  const dir = tempDir();
  const ok = join(dir, 'ok.sh');
  writeFileSync(ok, '#!/bin/sh\nexit 0\n');
  const fails = join(dir, 'fails.sh');
  writeFileSync(fails, '#!/bin/sh\necho "no disk" >&2\nexit 3\n');
  chmodSync(ok, 0o755);
  chmodSync(fails, 0o755);
  const env = (hook: string, root: string) => ({
    GITSYNC_REPO: origin.url,
    GITSYNC_ROOT: join(dir, root),
    GITSYNC_ONE_TIME: 'true',
    GITSYNC_EXECHOOK_COMMAND: hook,
    GITSYNC_SYNC_TIMEOUT: '2m', // the exit must come from the failure, not from this
  });

  const good = await runGitSync(env(ok, 'good'));
  assert.equal(good.code, 0, good.stdout());

  const started = Date.now();
  const bad = await runGitSync(env(fails, 'bad'));
  assert.equal(bad.code, 1, bad.stdout());
  assert.ok(Date.now() - started < 60_000, 'at once, not after the sync timeout');
  assert.equal(bad.logs().filter((l) => l.msg === 'hook failed').length, 1, 'run once, not retried');
  assert.match(JSON.stringify(bad.logs().find((l) => l.msg === 'hook failed')), /no disk/);
  assert.ok(bad.logs().some((l) => l.msg === 'one-time sync: a hook did not succeed; exiting 1'));

  const api = await startHttpServer((_req, res) => void res.writeHead(500).end());
  try {
    const webhook = await runGitSync({
      GITSYNC_REPO: origin.url,
      GITSYNC_ROOT: join(dir, 'web'),
      GITSYNC_ONE_TIME: 'true',
      GITSYNC_WEBHOOK_URL: `${api.url}/hook`,
    });
    assert.equal(webhook.code, 1, webhook.stdout());
    assert.equal(api.requests.length, 1, 'the webhook is called once');
  } finally {
    await api.close();
  }
});
