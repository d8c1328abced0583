import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnNode, tempDir } from '@pod-patterns/testing';
import { sample, startAdapter } from './helpers.js';

const webEntry = fileURLToPath(new URL('../../web/dist/main.js', import.meta.url));

test('against the real apps/web: requests to the site move the counters in /metrics', async () => {
  const root = tempDir('adapter-web-');
  mkdirSync(join(root, '.worktrees', 'abc123'), { recursive: true });
  writeFileSync(join(root, '.worktrees', 'abc123', 'index.html'), '<p>hi</p>');
  symlinkSync('.worktrees/abc123', join(root, 'site'));
  writeFileSync(join(root, 'app.json'), JSON.stringify({ site: { title: 't' }, version: 'v-int' }));
  const web = spawnNode(webEntry, [], {
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      STATS_LISTEN: '127.0.0.1:0',
      CONTENT_DIR: join(root, 'site'),
      CONFIG_FILE: join(root, 'app.json'),
      REDIS_URL: 'redis://127.0.0.1:1',
      POD_CONTAINERS: 'web:main',
      SHUTDOWN_DELAY: '0s',
    },
  });
  try {
    const { port, statsPort } = (await web.waitForLog('listening')) as { port: number; statsPort: number };
    const adapter = await startAdapter({ ADAPTER_SOURCE_URL: `http://127.0.0.1:${statsPort}/stats` });
    try {
      const metrics = async () => (await fetch(`${adapter.url}/metrics`)).text();
      const ok = 'web_http_requests_total{route="site",status="200"}';
      const missing = 'web_http_requests_total{route="site",status="404"}';
      const before = await metrics();
      assert.equal(sample(before, 'web_up'), 1);
      assert.equal(sample(before, ok), undefined);
      for (let i = 0; i < 5; i++) await (await fetch(`http://127.0.0.1:${port}/`)).text();
      await (await fetch(`http://127.0.0.1:${port}/nope`)).text();
      const after = await metrics();
      assert.equal(sample(after, ok), 5);
      assert.equal(sample(after, missing), 1);
      assert.equal(sample(after, 'web_http_request_duration_seconds_count'), 6);
      assert.equal(sample(after, 'web_config_info{version="v-int"}'), 1);
      assert.equal(sample(after, 'web_content_info{revision="abc123"}'), 1);
      // Redis is unreachable (port 1): the five page views are counted as errors once flushed.
      const { waitFor } = await import('@pod-patterns/testing');
      await waitFor(
        async () => (sample(await metrics(), 'web_redis_errors_total') ?? 0) >= 5,
        15_000,
        'redis errors mapped',
      );
    } finally {
      adapter.kill();
    }
  } finally {
    web.kill();
  }
});
