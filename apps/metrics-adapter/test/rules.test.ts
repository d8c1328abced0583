import assert from 'node:assert/strict';
import { test } from 'node:test';
import parse from 'parse-prometheus-text-format';
import { mappedRegistry } from '../src/exposition.js';
import { mapDocument } from '../src/map-document.js';
import { parseMapping } from '../src/mapping.js';

function map(rules: string, document: unknown) {
  const mapping = parseMapping(`namespace: app\nmetrics:\n${rules}`, 'test');
  return mapDocument(mapping, document);
}
async function text(rules: string, document: unknown): Promise<string> {
  return mappedRegistry(map(rules, document).metrics, 'text').metrics();
}

test('gauge, counter and untyped from plain numbers, booleans and numeric strings', async () => {
  const out = await text(
    `  - { name: app_queue_depth, help: h, type: gauge, path: $.queue.depth }
  - { name: app_jobs_total, help: h, type: counter, path: $.jobs }
  - { name: app_mystery, help: h, type: untyped, path: $.mystery }
  - { name: app_healthy, help: h, type: gauge, path: $.healthy }`,
    { queue: { depth: 7 }, jobs: '12', mystery: 1.5, healthy: true },
  );
  assert.match(out, /^app_queue_depth 7$/m);
  assert.match(out, /^# TYPE app_jobs_total counter\napp_jobs_total 12$/m);
  assert.match(out, /^# TYPE app_mystery untyped\napp_mystery 1.5$/m);
  assert.match(out, /^app_healthy 1$/m);
});

test('labels from object keys, one level per label: {"200": 10, "404": 1}', async () => {
  const out = await text(
    `  - { name: app_responses_total, help: h, type: counter, path: $.responses, keys: [status] }`,
    {
      responses: { 200: 10, 404: 1 },
    },
  );
  assert.match(out, /^app_responses_total\{status="200"\} 10$/m);
  assert.match(out, /^app_responses_total\{status="404"\} 1$/m);
});

test('labels from fields of array items, constant labels, value from a field, scale', async () => {
  const out = await text(
    `  - name: app_pool_wait_seconds
    help: h
    type: gauge
    path: $.pools[*]
    value: $.wait_ms
    labels: { pool: $.name, primary: $.primary }
    const_labels: { source: stats }
    scale: 0.001`,
    {
      pools: [
        { name: 'a', primary: true, wait_ms: 250 },
        { name: 'b', primary: false, wait_ms: 5 },
      ],
    },
  );
  assert.match(out, /^app_pool_wait_seconds\{source="stats",pool="a",primary="true"\} 0.25$/m);
  assert.match(out, /^app_pool_wait_seconds\{source="stats",pool="b",primary="false"\} 0.005$/m);
});

test('an info metric: a constant value with a label from a string field', async () => {
  const out = await text(
    `  - { name: app_build_info, help: h, type: gauge, path: $.build, labels: { version: $.version }, value: 1 }`,
    {
      build: { version: '1.2.3' },
    },
  );
  assert.match(out, /^app_build_info\{version="1.2.3"\} 1$/m);
});

test('histograms from an object of buckets too, with +Inf added from count when absent', async () => {
  const out = await text(
    `  - { name: app_size_bytes, help: h, type: histogram, path: $.size, buckets: $.le, sum: $.total, count: $.n }`,
    { size: { le: { 100: 1, 1000: 3 }, total: 1500, n: 4 } },
  );
  assert.match(
    out,
    /app_size_bytes_bucket\{le="100"\} 1\napp_size_bytes_bucket\{le="1000"\} 3\napp_size_bytes_bucket\{le="\+Inf"\} 4\napp_size_bytes_sum 1500\napp_size_bytes_count 4/,
  );
  assert.equal(parse(out)[0]?.type, 'HISTOGRAM');
});

test('label values are escaped: quotes, backslashes and newlines', async () => {
  const out = await text(`  - { name: app_things, help: h, type: gauge, path: $.things, keys: [name] }`, {
    things: { 'a "quoted"\\path\nnext': 1 },
  });
  assert.match(out, /^app_things\{name="a \\"quoted\\"\\\\path\\nnext"\} 1$/m);
  assert.equal(parse(out)[0]?.metrics[0]?.labels?.name, 'a "quoted"\\path\nnext');
});

test('misses: a path that matches nothing, a value that is no longer a number, a broken histogram', () => {
  const { metrics, misses } = map(
    `  - { name: app_a, help: h, type: gauge, path: $.gone }
  - { name: app_b_total, help: h, type: counter, path: $.requests, keys: [status] }
  - { name: app_c, help: h, type: gauge, path: $.ok }
  - { name: app_d, help: h, type: histogram, path: $.h, buckets: $.b, sum: $.s, count: $.c }
  - { name: app_e, help: h, type: gauge, path: "$.items[*]", value: $.v, labels: { k: $.k } }
  - { name: app_f_total, help: h, type: counter, path: "$.shards[*]", keys: [status] }`,
    {
      requests: { 200: 5, 500: 'n/a' },
      ok: 3,
      h: {
        b: [
          { le: 1, count: 5 },
          { le: 2, count: 3 },
        ],
        s: 1,
        c: 5,
      },
      items: [
        { k: 'x', v: 1 },
        { k: 'x', v: 2 },
      ],
      shards: [{ 200: 1 }, { 200: 2 }],
    },
  );
  assert.deepEqual(
    metrics.map((m) => m.name),
    ['app_c'],
  );
  assert.deepEqual(
    misses.map((m) => m.rule),
    ['app_a', 'app_b_total', 'app_d', 'app_e', 'app_f_total'],
  );
  assert.match(misses[0]?.reason ?? '', /\$\.gone matched nothing/);
  assert.match(misses[1]?.reason ?? '', /expected a number, found a string \("n\/a"\)/);
  assert.match(misses[2]?.reason ?? '', /not cumulative/);
  assert.match(misses[3]?.reason ?? '', /two values for the same series/);
  assert.match(misses[4]?.reason ?? '', /two values for the same series \{status="200"\}/);
});

test('OpenMetrics: counters are named without _total in metadata, untyped is unknown, and it ends in # EOF', async () => {
  const { metrics } = map(
    `  - { name: app_jobs_total, help: h, type: counter, path: $.jobs }
  - { name: app_mystery, help: h, type: untyped, path: $.m }`,
    { jobs: 3, m: 1 },
  );
  const registry = mappedRegistry(metrics, 'openmetrics');
  const out = await registry.metrics();
  assert.match(out, /^# TYPE app_jobs counter\napp_jobs_total 3$/m);
  assert.match(out, /^# TYPE app_mystery unknown$/m);
  assert.ok(out.endsWith('# EOF\n'));
});

test('a counter is finite and not negative: "1e999", -1 and a scale that overflows are misses, never ±Inf', () => {
  const { metrics, misses } = map(
    `  - { name: app_big_total, help: h, type: counter, path: $.big }
  - { name: app_small_total, help: h, type: counter, path: $.small }
  - { name: app_negative_total, help: h, type: counter, path: $.negative }
  - { name: app_scaled_total, help: h, type: counter, path: $.huge, scale: 1e300 }
  - { name: app_level, help: h, type: gauge, path: $.level }`,
    { big: '1e999', small: '-1e999', negative: -1, huge: 1e300, level: -2 },
  );
  assert.deepEqual(
    misses.map((m) => m.rule),
    ['app_big_total', 'app_small_total', 'app_negative_total', 'app_scaled_total'],
  );
  assert.deepEqual(
    metrics.map((m) => [m.name, m.samples[0]?.value]),
    [['app_level', -2]],
    'a gauge may be negative',
  );
});

test('more series than the limit is one answer, not a partial mapping', () => {
  const mapping = parseMapping(
    'namespace: app\nmetrics:\n  - { name: app_hits_total, help: h, type: counter, path: $.hits, keys: [route] }\n',
    'test',
  );
  const hits = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`/r${i}`, i]));
  assert.equal(mapDocument(mapping, { hits }, 101).tooManySeries, undefined);
  const over = mapDocument(mapping, { hits }, 100);
  assert.match(over.tooManySeries ?? '', /more than 100 series \(ADAPTER_MAX_SERIES\)/);
  assert.deepEqual(over.metrics, []);
});
