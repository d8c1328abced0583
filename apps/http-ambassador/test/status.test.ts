// The status document web's /_pod draws the HTTP ambassador from (README, "Status document").
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startHttpServer } from '@pod-patterns/testing';
import { startAmbassador } from './helpers.js';

const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const close of cleanup.reverse()) await close();
});

test('/status: requests, retries and failures per upstream, and the circuit with its changes', async () => {
  let failing = 0;
  const api = await startHttpServer((_req, res) => {
    if (failing > 0) {
      failing -= 1;
      return res.writeHead(503).end();
    }
    res.writeHead(200).end('ok');
  });
  cleanup.push(() => api.close());
  const a = await startAmbassador({
    UPSTREAMS: `${api.url} 1 api`,
    RETRIES: '2',
    BREAKER_FAILURES: '3',
    BREAKER_COOLDOWN: '30s',
  });
  cleanup.push(() => a.kill());
  const status = async () =>
    ((await (await fetch(`${a.ops}/status`)).json()) as { upstreams: Record<string, unknown>[] }).upstreams;

  assert.equal((await fetch(`${a.url}/`)).status, 200);
  failing = 2;
  assert.equal((await fetch(`${a.url}/`)).status, 200, 'two retries reach the answer');
  let [api1] = await status();
  assert.deepEqual(
    { ...api1, circuit_changes: undefined },
    {
      name: 'api',
      url: api.url,
      circuit: 'closed',
      requests: 2,
      failures: 0,
      retries: 2,
      circuit_changes: undefined,
    },
  );

  failing = 100;
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await fetch(`${a.url}/`)).status);
  [api1] = await status();
  assert.equal(api1?.circuit, 'open');
  assert.deepEqual(statuses, [503, 503, 503]);
  assert.equal(api1?.failures, 2, 'the two answers the upstream gave');
  const doc = (await (await fetch(`${a.ops}/status`)).json()) as { failed_fast: number };
  assert.equal(doc.failed_fast, 1, 'the third failed fast: the circuit had opened');
  assert.deepEqual(
    (api1?.circuit_changes as { to: string }[] | undefined)?.map((c) => c.to),
    ['open'],
  );
});
