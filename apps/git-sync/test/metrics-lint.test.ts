// /metrics as Prometheus' own tools read it, after real syncs (so every family has samples).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintEndpoint, prometheusMissing, waitFor } from '@pod-patterns/testing';
import { Origin, startGitSync, tempDir } from './helpers.js';

test('promtool finds no problem in /metrics, as text and as OpenMetrics', { skip: prometheusMissing() }, async () => {
  const origin = new Origin();
  origin.commit({ 'index.html': 'one' });
  const sync = await startGitSync({ GITSYNC_REPO: origin.url, GITSYNC_ROOT: tempDir() });
  try {
    await waitFor(
      async () => /git_sync_count_total\{status="success"\} [1-9]/.test(await sync.metrics()),
      30_000,
      'a sync',
    );
    assert.deepEqual(await lintEndpoint(`http://127.0.0.1:${sync.port}/metrics`), { text: [], openmetrics: [] });
  } finally {
    sync.kill();
  }
});
