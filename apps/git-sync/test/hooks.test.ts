import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startHttpServer, waitFor } from '@pod-patterns/testing';
import { Origin, startGitSync, tempDir } from './helpers.js';

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
    await waitFor(() => server.requests.length >= 3, 10_000, 'three webhook calls');
    assert.deepEqual(
      server.requests.map((r) => [r.method, r.url, r.headers['gitsync-hash']]),
      Array(3).fill(['POST', '/hook', sha]),
    );
    await waitFor(
      async () => /git_sync_hook_run_count_total\{name="webhook",status="success"\} 1/.test(await sync.metrics()),
      5000,
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
    await waitFor(() => existsSync(out), 10_000, 'exechook ran');
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
