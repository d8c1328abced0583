import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { after, test } from 'node:test';
import { startHttpServer, waitFor } from '@pod-patterns/testing';
import { FakeSyncRoot, startWeb } from './helpers.js';

// A helper container whose health endpoint answers slowly makes /_pod/status a slow request.
const slowHelper = await startHttpServer((_req, res) => {
  setTimeout(() => res.end('ok'), 400);
});
after(() => slowHelper.close());
const sync = new FakeSyncRoot();
sync.publish({ 'index.html': 'x' });

test('SIGTERM during slow requests: every one completes, then exit 0', async () => {
  // Slow requests: 8 MiB downloads read by a paused client. A request is surely accepted once
  // its response has started, so SIGTERM is sent only after all eight have started.
  const big = 'x'.repeat(8 * 1024 * 1024);
  const root = new FakeSyncRoot();
  root.publish({ 'index.html': 'x', 'big.bin': big });
  const web = await startWeb({ CONTENT_DIR: root.link });
  const responses: IncomingMessage[] = [];
  const bodies = Array.from(
    { length: 8 },
    () =>
      new Promise<number>((resolve, reject) => {
        get({ host: '127.0.0.1', port: web.port, path: '/big.bin', agent: false }, (res) => {
          res.pause();
          responses.push(res);
          let length = 0;
          res.on('data', (chunk: Buffer) => {
            length += chunk.length;
          });
          res.on('end', () => resolve(length));
          res.on('error', reject);
        }).on('error', reject);
      }),
  );
  await waitFor(() => responses.length === 8, 30_000, 'eight downloads under way');
  web.child.kill('SIGTERM');
  await web.waitForLog('shutting down');
  for (const res of responses) res.resume();
  assert.deepEqual(await Promise.all(bodies), Array(8).fill(big.length));
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
