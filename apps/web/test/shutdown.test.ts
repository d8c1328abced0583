import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startHttpServer } from '@pod-patterns/testing';
import { FakeSyncRoot, startWeb } from './helpers.js';

// A helper container whose health endpoint answers slowly makes /_pod/status a slow request.
const slowHelper = await startHttpServer((_req, res) => {
  setTimeout(() => res.end('ok'), 400);
});
after(() => slowHelper.close());
const sync = new FakeSyncRoot();
sync.publish({ 'index.html': 'x' });

test('SIGTERM during slow requests: every one completes, then exit 0', async () => {
  const web = await startWeb({ CONTENT_DIR: sync.link, POD_CONTAINERS: `helper:sidecar@${slowHelper.url}/` });
  const slow = Array.from({ length: 8 }, (_, i) =>
    // distinct dashboards so the health cache does not answer the later ones at once
    new Promise((resolve) => setTimeout(resolve, i * 10)).then(() => fetch(`${web.base}/_pod/status`)),
  );
  await new Promise((resolve) => setTimeout(resolve, 150));
  web.child.kill('SIGTERM');
  const responses = await Promise.all(slow);
  assert.deepEqual(
    responses.map((r) => r.status),
    Array(8).fill(200),
  );
  for (const res of responses) {
    const body = (await res.json()) as { containers: { health: string }[] };
    assert.equal(body.containers[0]?.health, 'healthy');
  }
  assert.equal(await web.exited, 0);
});

test('SIGTERM: readiness goes false at once, the site keeps serving through the delay', async () => {
  const web = await startWeb({ CONTENT_DIR: sync.link, SHUTDOWN_DELAY: '1s' });
  assert.equal((await fetch(`${web.base}/readyz`)).status, 200);
  web.child.kill('SIGTERM');
  await web.waitForLog('shutting down');
  const ready = await fetch(`${web.base}/readyz`);
  assert.equal(ready.status, 503);
  assert.equal(((await ready.json()) as { checks: Record<string, string> }).checks.shutdown, 'shutting down');
  assert.equal((await fetch(`${web.base}/`)).status, 200);
  assert.equal(await web.exited, 0);
  await assert.rejects(fetch(`${web.base}/`), 'closed after the drain');
});
