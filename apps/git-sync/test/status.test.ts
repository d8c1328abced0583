// The status document web's /_pod draws git-sync's timeline from (README, "Status document").
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { waitFor } from '@pod-patterns/testing';
import { Origin, startGitSync, tempDir } from './helpers.js';

interface Status {
  repo: string;
  ref: string;
  period_seconds: number;
  link: string;
  synced: string | null;
  timeline: { at: string; event: string; sha?: string; from?: string | null; error?: string }[];
}

test('/status: each new commit is fetched, then published, in order; a failure joins the timeline', async () => {
  const origin = new Origin();
  const first = origin.commit({ 'index.html': 'one' });
  const root = tempDir();
  const sync = await startGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: root, GITSYNC_MAX_FAILURES: '-1' });
  const status = async () => (await (await fetch(`http://127.0.0.1:${sync.port}/status`)).json()) as Status;
  try {
    await waitFor(async () => (await status()).synced === first, 10_000, 'the first sync');
    const second = origin.commit({ 'index.html': 'two' });
    await waitFor(async () => (await status()).synced === second, 10_000, 'the second commit');
    const doc = await status();
    assert.equal(doc.repo, origin.url);
    assert.equal(doc.ref, 'HEAD');
    assert.equal(doc.period_seconds, 0.2);
    assert.equal(doc.link, `${root}/site`);
    assert.deepEqual(
      doc.timeline.map((e) => [e.event, e.sha, e.from]),
      [
        ['fetched', first, undefined],
        ['published', first, null],
        ['fetched', second, undefined],
        ['published', second, first],
      ],
    );
    for (const e of doc.timeline) assert.ok(!Number.isNaN(Date.parse(e.at)), `${e.at} is a time`);

    rmSync(origin.dir, { recursive: true, force: true });
    await waitFor(async () => (await status()).timeline.at(-1)?.event === 'failed', 10_000, 'a failed sync');
    assert.match(String((await status()).timeline.at(-1)?.error), /site\.git/);
  } finally {
    sync.kill();
  }
});

test('/status never shows the credentials of the repository URL', async () => {
  const sync = await startGitSync({
    GITSYNC_REPO: 'http://deploy@127.0.0.1:1/nothing.git',
    GITSYNC_ROOT: tempDir(),
  });
  try {
    const body = await (await fetch(`http://127.0.0.1:${sync.port}/status`)).text();
    assert.doesNotMatch(body, /deploy/);
    assert.match(body, /http:\/\/127\.0\.0\.1:1\/nothing\.git/);
  } finally {
    sync.kill();
  }
});
