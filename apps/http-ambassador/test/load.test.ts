// The ambassador under load against a healthy upstream, as wrk leaves it: many keep-alive
// connections, and clients that close mid-request (wrk does at the end of every run). A closed
// client is not the upstream's failure; counted as one, it opened the circuit on a healthy
// upstream and every later request got 503 for the cool-down.
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, test } from 'node:test';
import { startHttpServer, waitFor } from '@pod-patterns/testing';
import { sample, startAmbassador } from './helpers.js';

const CONNECTIONS = 64;
const REQUESTS = 20_000;

let slowArrived = 0;
const api = await startHttpServer((req, res) => {
  // /slow never answers, so its client always goes away while the request is in flight (an
  // answer due after a delay raced the test's close on a loaded machine, and was counted a 200).
  // The ambassador must let such a try go at once: waiting on, it would time out at TRY_TIMEOUT
  // and count against a healthy upstream.
  if (req.url === '/slow') return void slowArrived++;
  setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 1);
});
after(() => api.close());

function get(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `count` requests over `connections` keep-alive connections; the statuses by count. */
async function load(url: string, count: number): Promise<Map<number, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const statuses = new Map<number, number>();
  let left = count;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (left-- > 0) {
        const status = await get(url, agent);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  agent.destroy();
  return statuses;
}

/**
 * Sends `CONNECTIONS` requests and closes every connection once the upstream has them and before
 * it answers, as wrk's end does.
 */
async function abandon(base: string): Promise<void> {
  const arrived = slowArrived + CONNECTIONS;
  const requests = Array.from({ length: CONNECTIONS }, () => {
    const req = request(`${base}/slow`);
    req.on('error', () => {}); // the reset is the point
    req.end();
    return req;
  });
  await waitFor(() => slowArrived >= arrived, 10_000, 'the upstream to hold every abandoned request');
  for (const req of requests) req.destroy();
}

test(`${REQUESTS} requests at ${CONNECTIONS} connections, with clients closing mid-request: every answer a 200, the circuit stays closed, no retry`, async () => {
  const a = await startAmbassador({ UPSTREAMS: api.url, TRY_TIMEOUT: '1s', BREAKER_COOLDOWN: '30s' });
  try {
    const statuses = new Map<number, number>();
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      for (const [status, n] of await load(`${a.url}/doc.json`, REQUESTS / rounds))
        statuses.set(status, (statuses.get(status) ?? 0) + n);
      await abandon(a.url);
    }
    // Past TRY_TIMEOUT: a try left waiting for an abandoned request would have timed out by now.
    await new Promise((r) => setTimeout(r, 1200));
    for (const [status, n] of await load(`${a.url}/doc.json`, 1000))
      statuses.set(status, (statuses.get(status) ?? 0) + n);

    assert.deepEqual([...statuses], [[200, REQUESTS + 1000]], 'every answer is a 200');
    const text = await (await fetch(`${a.ops}/metrics`)).text();
    const name = `127.0.0.1:${api.port}`;
    assert.equal(sample(text, `http_ambassador_circuit_state{upstream="${name}",state="closed"}`), 1);
    assert.doesNotMatch(text, /^http_ambassador_circuit_transitions_total\{/m, 'the circuit never moved');
    assert.doesNotMatch(text, /^http_ambassador_retries_total\{/m, 'no retry was spent');
    assert.doesNotMatch(text, /code="50\d"/, 'no 5xx counted');
    assert.equal(
      sample(text, `http_ambassador_requests_total{upstream="${name}",method="GET",code="200"}`),
      REQUESTS + 1000,
    );
  } finally {
    a.kill();
  }
});
