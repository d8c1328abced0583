import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startRedis, type TestRedis, waitFor } from '@pod-patterns/testing';
import { Redis } from 'ioredis';
import { FakeSyncRoot, startWeb, validConfig, type Web, writeConfig } from './helpers.js';

const sync = new FakeSyncRoot();
let redis: TestRedis;
let web: Web;
let reader: Redis;

before(async () => {
  redis = await startRedis();
  reader = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
  reader.on('error', () => {});
  sync.publish({ 'index.html': '<p>home</p>', 'docs/index.html': '<p>docs</p>', 'app.css': 'x' });
  web = await startWeb({ CONTENT_DIR: sync.link, REDIS_URL: redis.url, REDIS_TIMEOUT: '200ms' });
  await waitFor(async () => ((await status()).visits as { ok: boolean }).ok, 15_000, 'redis connected');
});
after(async () => {
  web.kill();
  reader.disconnect();
  await redis.stop();
});

async function status(): Promise<Record<string, unknown>> {
  return (await (await fetch(`${web.base}/_pod/status`)).json()) as Record<string, unknown>;
}
async function stats(): Promise<Record<string, unknown>> {
  return (await (await fetch(`http://127.0.0.1:${web.statsPort}/stats`)).json()) as Record<string, unknown>;
}
const get = (key: string) => reader.get(key).then(Number);

test('each HTML page view increments a total and a per-page counter; other files do not', async () => {
  for (let i = 0; i < 3; i++) await (await fetch(`${web.base}/`)).text();
  await (await fetch(`${web.base}/docs/`)).text();
  await (await fetch(`${web.base}/app.css`)).text();
  await (await fetch(`${web.base}/missing.html`)).text();
  await waitFor(async () => (await get('visits:total')) === 4, 15_000, 'total of 4');
  assert.equal(await get('visits:page:/'), 3);
  assert.equal(await get('visits:page:/docs/'), 1);
  const totals = (await status()).visits as { ok: boolean; total: number; home: number };
  assert.deepEqual(totals, { ok: true, total: 4, home: 3 });
});

test('Redis down: pages still render, the error is counted and shown; Redis back: counting resumes', async () => {
  await redis.stop();
  const errorsBefore = (await stats()).redis_errors as number;
  const started = Date.now();
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${web.base}/`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '<p>home</p>');
  }
  assert.ok(Date.now() - started < 2000, 'pages do not wait on a dead Redis');
  const dashboard = await (await fetch(`${web.base}/_pod`)).text(); // a view too
  assert.match(dashboard, /Redis unavailable/);
  const down = (await status()).visits as { ok: boolean; reason: string };
  assert.equal(down.ok, false);
  assert.match(down.reason, /ECONNREFUSED|not connected|Connection is closed/);
  // Every view made while Redis is down is counted as an error (once flushed), never queued.
  await waitFor(async () => ((await stats()).redis_errors as number) >= errorsBefore + 6, 15_000, 'errors counted');
  const warnings = web.logs().filter((l) => l.msg === 'redis unavailable');
  assert.ok(warnings.length >= 1 && warnings.length <= 3, `logged at a sane rate (${warnings.length} lines)`);

  await redis.start(); // an empty Redis, as after a restart without persistence
  await reader.connect().catch(() => {});
  await waitFor(async () => ((await status()).visits as { ok: boolean }).ok, 30_000, 'reconnected');
  await (await fetch(`${web.base}/`)).text();
  await waitFor(async () => (await get('visits:total')) >= 1, 15_000, 'counting again');
  assert.equal(await get('visits:total'), 1, 'views made while Redis was down are not replayed');
});

test('the visitCounter feature flag turns counting off', async () => {
  const web2 = await startWeb({
    CONTENT_DIR: sync.link,
    REDIS_URL: redis.url,
    CONFIG_FILE: writeConfig({ ...validConfig, features: { visitCounter: false } }),
  });
  try {
    await waitFor(async () => {
      const res = await fetch(`${web2.base}/_pod/status`);
      return ((await res.json()) as { visits: { ok: boolean } }).visits.ok;
    }, 5000);
    const before = await get('visits:total');
    for (let i = 0; i < 3; i++) await (await fetch(`${web2.base}/`)).text();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await get('visits:total'), before);
  } finally {
    web2.kill();
  }
});
