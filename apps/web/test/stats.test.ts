import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { envTable } from '@pod-patterns/kit';
import { appConfigSchema } from '../src/app-config.js';
import { envSchema } from '../src/config.js';
import { FakeSyncRoot, startWeb } from './helpers.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Every key path in a JSON value with the type found there; arrays by their first element. */
function shape(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return [`${path}: array`, ...(value.length > 0 ? shape(value[0], `${path}[]`) : [])];
  if (value !== null && typeof value === 'object') {
    return [
      `${path}: object`,
      ...Object.entries(value).flatMap(([k, v]) => shape(v, /^\d+$/.test(k) ? `${path}.<status>` : `${path}.${k}`)),
    ];
  }
  return [`${path}: ${value === null ? 'null' : typeof value}`];
}

test('/stats has exactly the shape the README documents', async () => {
  const documented = /<!-- stats-example:start -->\s*```json\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(documented, 'README has the stats example');
  const sync = new FakeSyncRoot();
  sync.publish({ 'index.html': 'x' }, 'e83c5163316f89bfbde7d9ab23ca2e25604af290');
  const web = await startWeb({ CONTENT_DIR: sync.link });
  try {
    await fetch(`${web.base}/`);
    await fetch(`${web.base}/nope`);
    await fetch(`${web.base}/_pod/status`);
    await fetch(`${web.base}/healthz`);
    const live = await (await fetch(`http://127.0.0.1:${web.statsPort}/stats`)).json();
    const dedupe = (paths: string[]) => [...new Set(paths)].sort();
    assert.deepEqual(dedupe(shape(live)), dedupe(shape(JSON.parse(documented))));
    const doc = live as {
      latency_ms: { buckets: { le: string; count: number }[]; count: number };
      requests: Record<string, Record<string, number>>;
    };
    assert.equal(doc.latency_ms.buckets.at(-1)?.le, '+Inf');
    assert.equal(doc.latency_ms.buckets.at(-1)?.count, doc.latency_ms.count, 'the +Inf bucket counts every request');
    const counts = doc.latency_ms.buckets.map((b) => b.count);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => a - b),
      'buckets are cumulative',
    );
    assert.equal(doc.requests.site?.['200'], 1);
    assert.equal(doc.requests.site?.['404'], 1);
    assert.equal(doc.requests.dashboard?.['200'], 1);
    assert.equal(doc.requests.probe?.['200'], 1);
  } finally {
    web.kill();
  }
});

test('the README env table is the one the schema prints', () => {
  assert.ok(readme.includes(envTable(envSchema)), 'README table differs from src/config.ts; run npm run docs');
});

test('config.example.json is a complete, valid config', () => {
  const example = JSON.parse(readFileSync(new URL('../config.example.json', import.meta.url), 'utf8'));
  assert.equal(appConfigSchema.safeParse(example).success, true);
});

test('/_pod shows that the adapter reads /stats: how often, and when it last did', async () => {
  const sync = new FakeSyncRoot();
  sync.publish({ 'index.html': 'x' }, 'e83c5163316f89bfbde7d9ab23ca2e25604af290');
  const web = await startWeb({ CONTENT_DIR: sync.link });
  try {
    const reads = async () =>
      (
        (await (await fetch(`${web.base}/_pod/status`)).json()) as {
          stats_reads: { count: number; last_at: string | null };
        }
      ).stats_reads;
    assert.deepEqual(await reads(), { count: 0, last_at: null });
    assert.match(await (await fetch(`${web.base}/_pod`)).text(), /Not read yet/);
    await fetch(`http://127.0.0.1:${web.statsPort}/stats`);
    await fetch(`http://127.0.0.1:${web.statsPort}/stats`);
    const after = await reads();
    assert.equal(after.count, 2);
    assert.ok(Date.now() - Date.parse(after.last_at ?? '') < 5000);
    assert.match(await (await fetch(`${web.base}/_pod`)).text(), /Read <strong>2<\/strong> time\(s\) by the adapter/);
  } finally {
    web.kill();
  }
});
