// /metrics as Prometheus' own tools read it, after real calls (so every family has samples).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintEndpoint, prometheusMissing, startHttpServer } from '@pod-patterns/testing';
import { startAmbassador } from './helpers.js';

test('promtool finds no problem in /metrics, as text and as OpenMetrics', { skip: prometheusMissing() }, async () => {
  let calls = 0;
  const api = await startHttpServer((_req, res) => {
    calls += 1;
    res.writeHead(calls === 1 ? 503 : 200).end('ok'); // one retry, so the retry series exist too
  });
  const ambassador = await startAmbassador({ UPSTREAMS: api.url });
  try {
    assert.equal((await fetch(`${ambassador.url}/x`)).status, 200);
    assert.equal((await fetch(`${ambassador.url}/y`, { method: 'POST', body: 'b' })).status, 200);
    assert.deepEqual(await lintEndpoint(`${ambassador.ops}/metrics`), { text: [], openmetrics: [] });
  } finally {
    ambassador.kill();
    await api.close();
  }
});
