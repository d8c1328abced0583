import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Counter } from 'prom-client';
import { createMetricsRegistry } from '../src/metrics.js';
import { startOpsServer } from '../src/ops-server.js';
import { Readiness } from '../src/readiness.js';

let stopping = false;
let contentReady: boolean | string = 'content not synced yet';
const readiness = new Readiness(() => stopping);
readiness.add('content', () => contentReady);
readiness.add('throws', () => true);
const registry = createMetricsRegistry();
const hits = new Counter({ name: 'fixture_hits_total', help: 'hits', registers: [registry] });
const ops = await startOpsServer({
  listen: { host: '127.0.0.1', port: 0 },
  readiness,
  registry,
  routes: { '/custom': (_req, res) => void res.end('custom') },
});
const base = `http://127.0.0.1:${ops.address.port}`;
after(() => ops.close());

test('/healthz answers 200 while the process works', async () => {
  const res = await fetch(`${base}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
});

test('/readyz follows the registered checks and the shutdown flag', async () => {
  let res = await fetch(`${base}/readyz`);
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { ready: false, checks: { content: 'content not synced yet', throws: 'ok' } });

  contentReady = true;
  res = await fetch(`${base}/readyz`);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { ready: boolean }).ready, true);

  stopping = true;
  res = await fetch(`${base}/readyz`);
  assert.equal(res.status, 503);
  assert.equal(((await res.json()) as { checks: Record<string, string> }).checks.shutdown, 'shutting down');
  stopping = false;
});

test('a check that throws makes readiness false with its message', async () => {
  readiness.add('throws', () => {
    throw new Error('disk gone');
  });
  const res = await fetch(`${base}/readyz`);
  assert.equal(res.status, 503);
  assert.equal(((await res.json()) as { checks: Record<string, string> }).checks.throws, 'disk gone');
  readiness.add('throws', () => true);
});

test('/metrics has the default process metrics and the service own', async () => {
  hits.inc(3);
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain; version=0.0.4/);
  const body = await res.text();
  assert.match(body, /^process_cpu_user_seconds_total \d/m);
  assert.match(body, /^fixture_hits_total 3$/m);
});

test('extra routes are served, unknown paths get 404', async () => {
  assert.equal(await (await fetch(`${base}/custom`)).text(), 'custom');
  assert.equal((await fetch(`${base}/nope`)).status, 404);
});
