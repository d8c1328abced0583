// A source document within ADAPTER_SOURCE_MAX_BYTES can still cost more than the container has:
// deep nesting, or a label per route for 300,000 routes. Under the manifest's heap limit the
// adapter answers each as a failed scrape with its reason, and stays up.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startHttpServer } from '@pod-patterns/testing';
import { sample, startAdapter, webStatsExample } from './helpers.js';

let body = '';
const source = await startHttpServer((_req, res) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(body),
);
after(() => source.close());

// The demo pod's limit for the adapter (k8s/: NODE_OPTIONS=--max-old-space-size=96).
const HEAP = ['--max-old-space-size=96'];

test('10 MB of nested arrays, 300,000 routes, and too many series: each a failed scrape with its reason', async () => {
  // The documents are made first: built between two scrapes, the 6.8 MB one took longer than
  // the adapter's 5 s keep-alive on a loaded machine, and the next scrape met a closing socket.
  const nested = `${'['.repeat(5_000_000)}${']'.repeat(5_000_000)}`;
  const stats = webStatsExample() as { requests: Record<string, unknown> };
  const routes = Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`/r${i}`, { '200': i }]));
  const manyRoutes = JSON.stringify({ ...stats, requests: routes });
  assert.ok(manyRoutes.length < 16 << 20, 'within ADAPTER_SOURCE_MAX_BYTES');
  const good = JSON.stringify(webStatsExample());

  const a = await startAdapter({ ADAPTER_SOURCE_URL: `${source.url}/stats`, ADAPTER_SOURCE_TIMEOUT: '10s' }, HEAP);
  try {
    const scrape = async () => (await fetch(`${a.url}/metrics`)).text();
    body = nested;
    let text = await scrape();
    assert.equal(sample(text, 'web_up'), 0);
    assert.equal(sample(text, 'adapter_source_errors_total{reason="too_complex"}'), 1);

    body = manyRoutes;
    text = await scrape();
    assert.equal(sample(text, 'adapter_source_errors_total{reason="too_complex"}'), 2);

    body = good;
    text = await scrape();
    assert.equal(sample(text, 'web_up'), 1, 'a good document after them maps as before');
    assert.equal(a.child.exitCode, null, 'still running');
  } finally {
    a.kill();
  }
});

test('a document that maps to more than ADAPTER_MAX_SERIES series is a failed scrape', async () => {
  body = JSON.stringify(webStatsExample());
  const a = await startAdapter({ ADAPTER_SOURCE_URL: `${source.url}/stats`, ADAPTER_MAX_SERIES: '3' }, HEAP);
  try {
    const text = await (await fetch(`${a.url}/metrics`)).text();
    assert.equal(sample(text, 'web_up'), 0);
    assert.equal(sample(text, 'adapter_source_errors_total{reason="too_many_series"}'), 1);
    assert.doesNotMatch(text, /^web_http_requests_total\{/m, 'no partial mapping');
  } finally {
    a.kill();
  }
});
