import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  lintEndpoint,
  lintMetrics,
  prometheusMissing,
  SCRAPER_ACCEPT,
  startHttpServer,
  tempDir,
  waitFor,
} from '@pod-patterns/testing';
import parse from 'parse-prometheus-text-format';
import { type Adapter, sample, startAdapter, webStatsExample } from './helpers.js';

const PROMETHEUS_ACCEPT = SCRAPER_ACCEPT.prometheus2;

// The source: answers with whatever `respond` currently does.
let respond: (res: ServerResponse) => void = (res) => json(res, webStatsExample());
const source = await startHttpServer((_req, res) => respond(res));
const adapters: Adapter[] = [];
after(async () => {
  for (const a of adapters) a.kill();
  await source.close();
});

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

// The source timeout is generous here, so that a loaded CI machine cannot turn a good scrape into a
// timed-out one; the test of timeouts sets its own short one.
async function adapter(env: Record<string, string> = {}): Promise<Adapter> {
  const a = await startAdapter({ ADAPTER_SOURCE_URL: `${source.url}/stats`, ADAPTER_SOURCE_TIMEOUT: '5s', ...env });
  adapters.push(a);
  return a;
}

async function scrape(a: Adapter, accept?: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${a.url}/metrics`, { headers: accept ? { accept } : {} });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

test('a good source: up 1, the mapped series, and valid text format', async () => {
  respond = (res) => json(res, webStatsExample());
  const a = await adapter();
  const { status, type, text } = await scrape(a);
  assert.equal(status, 200);
  assert.match(type, /^text\/plain; version=0.0.4/);
  assert.equal(sample(text, 'web_up'), 1);
  assert.equal(sample(text, 'web_http_requests_total{route="site",status="200"}'), 3);
  assert.equal(sample(text, 'adapter_source_scrape_duration_seconds_count'), 1);
  assert.match(text, /^process_cpu_user_seconds_total /m);
  const families = parse(text);
  assert.ok(families.some((f) => f.name === 'web_http_request_duration_seconds' && f.type === 'HISTOGRAM'));
});

test('source down, slow, or returning garbage: 200 with up 0 and the reason, no mapped series, no crash', async () => {
  const used: Adapter[] = [];
  const cases: [string, (res: ServerResponse) => void][] = [
    ['http_status', (res) => res.writeHead(500).end('boom')],
    ['invalid_json', (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"requests": ')],
    ['timeout', () => {}],
  ];
  for (const [reason, handler] of cases) {
    respond = handler;
    // Only the timeout case needs a short timeout; under load a 500 could take longer than 300 ms.
    const a = await adapter(reason === 'timeout' ? { ADAPTER_SOURCE_TIMEOUT: '300ms' } : {});
    used.push(a);
    const started = Date.now();
    const { status, text } = await scrape(a);
    assert.equal(status, 200, reason);
    // A source that never answers would hang the scrape for good; 300 ms is the timeout, and the
    // bound leaves room for a 2-core machine running the other packages' tests beside this one.
    assert.ok(Date.now() - started < 5000, `${reason}: bounded by the source timeout`);
    assert.equal(sample(text, 'web_up'), 0, reason);
    assert.equal(sample(text, `adapter_source_errors_total{reason="${reason}"}`), 1, reason);
    assert.equal(
      sample(text, 'web_http_requests_total{route="site",status="200"}'),
      undefined,
      `${reason}: nothing half-mapped`,
    );
  }
  const down = await adapter({ ADAPTER_SOURCE_URL: 'http://127.0.0.1:1/stats' });
  const { status, text } = await scrape(down);
  assert.equal(status, 200);
  assert.equal(sample(text, 'web_up'), 0);
  assert.equal(sample(text, 'adapter_source_errors_total{reason="network"}'), 1);
  for (const a of used) assert.equal((await fetch(`${a.url}/healthz`)).status, 200, 'still alive');
});

test('a shape that drifted: up 1, the rules that no longer match are misses, the others still served', async () => {
  const drifted = { ...(webStatsExample() as Record<string, unknown>), requests: 'disabled', visits: null };
  respond = (res) => json(res, drifted);
  const a = await adapter();
  const { text } = await scrape(a);
  assert.equal(sample(text, 'web_up'), 1);
  assert.equal(sample(text, 'adapter_mapping_misses_total{rule="web_http_requests_total"}'), 1);
  assert.equal(sample(text, 'adapter_mapping_misses_total{rule="web_visits_total"}'), 1);
  assert.equal(sample(text, 'adapter_mapping_misses_total{rule="web_config_info"}'), 0);
  assert.doesNotMatch(text, /^web_http_requests_total\{/m);
  assert.doesNotMatch(text, /^web_visits_total /m);
  assert.equal(sample(text, 'web_redis_errors_total'), 4);
});

test('a series that vanished from the source does not linger', async () => {
  let statuses: Record<string, number> = { 200: 1, 500: 1 };
  respond = (res) => json(res, { ...(webStatsExample() as Record<string, unknown>), requests: { site: statuses } });
  const a = await adapter();
  assert.equal(sample((await scrape(a)).text, 'web_http_requests_total{route="site",status="500"}'), 1);
  statuses = { 200: 2 };
  const { text } = await scrape(a);
  assert.equal(sample(text, 'web_http_requests_total{route="site",status="200"}'), 2);
  assert.equal(sample(text, 'web_http_requests_total{route="site",status="500"}'), undefined);
});

test('concurrent scrapes share one fetch of the source', async () => {
  const before = source.requests.length;
  respond = (res) => setTimeout(() => json(res, webStatsExample()), 500);
  const a = await adapter();
  const results = await Promise.all(Array.from({ length: 10 }, () => scrape(a)));
  assert.deepEqual(
    results.map((r) => sample(r.text, 'web_up')),
    Array(10).fill(1),
  );
  assert.equal(source.requests.length - before, 1, 'one fetch for ten scrapes');
  await scrape(a);
  assert.equal(source.requests.length - before, 2, 'no stale cache: the next scrape fetches again');
});

test("OpenMetrics when Prometheus' Accept asks for it; a text scrape after it still has every _total", async () => {
  respond = (res) => json(res, webStatsExample());
  const a = await adapter();
  const om = await scrape(a, PROMETHEUS_ACCEPT);
  assert.match(om.type, /^application\/openmetrics-text; version=1.0.0/);
  assert.ok(om.text.endsWith('# EOF\n'));
  assert.match(om.text, /^# TYPE web_http_requests counter$/m);
  assert.match(om.text, /^web_http_requests_total\{route="site",status="200"\} 3$/m);
  assert.match(om.text, /^# TYPE adapter_source_errors counter$/m);

  const text = await scrape(a);
  assert.match(text.type, /^text\/plain/);
  for (const name of [
    'web_http_requests_total',
    'adapter_source_errors_total',
    'adapter_mapping_misses_total',
    'process_cpu_user_seconds_total',
  ]) {
    assert.match(text.text, new RegExp(`^# TYPE ${name} counter$`, 'm'), `${name} keeps _total`);
  }
  assert.doesNotMatch(text.text, /_total_total/);
  assert.doesNotMatch(text.text, /# EOF/);
});

test('promtool finds no problem in /metrics, as text and as OpenMetrics', { skip: prometheusMissing() }, async () => {
  respond = (res) => json(res, webStatsExample());
  const a = await adapter();
  assert.deepEqual(await lintEndpoint(`${a.url}/metrics`), { text: [], openmetrics: [] });
  respond = (res) => res.end('not json'); // with the source failing, the own metrics alone
  assert.deepEqual(await lintEndpoint(`${a.url}/metrics`), { text: [], openmetrics: [] });
});

test('OpenMetrics for a Prometheus 3 scrape, whose Accept carries escaping=', async () => {
  const a = await adapter();
  const om = await scrape(a, SCRAPER_ACCEPT.prometheus3);
  assert.match(om.type, /^application\/openmetrics-text; version=1.0.0/);
  assert.ok(om.text.endsWith('# EOF\n'));
});

test('a document that maps two values to one series: that rule yields nothing, counted as a miss and logged; the rest is served', async () => {
  const mappingFile = join(tempDir('adapter-dup-'), 'mapping.yaml');
  writeFileSync(
    mappingFile,
    `namespace: app
metrics:
  - { name: app_ok, help: A plain gauge., type: gauge, path: $.ok }
  - { name: app_jobs, help: Jobs by kind., type: gauge, path: "$.jobs[*]", value: $.n, labels: { kind: $.kind } }
`,
  );
  respond = (res) =>
    json(res, {
      ok: 1,
      jobs: [
        { kind: 'build', n: 2 },
        { kind: 'test', n: 5 },
        { kind: 'build', n: 7 },
      ],
    });
  const a = await adapter({ ADAPTER_MAPPING_FILE: mappingFile });
  const { text } = await scrape(a);
  assert.equal(sample(text, 'app_ok'), 1, 'the other rule is served');
  assert.doesNotMatch(text, /^app_jobs\{/m, 'no partial series: neither build value, nor test');
  assert.equal(sample(text, 'adapter_mapping_misses_total{rule="app_jobs"}'), 1);
  const logged = await a.waitForLog('mapping miss');
  assert.equal(logged.level, 'warn', 'a warning, seen at the default log level');
  assert.equal(logged.rule, 'app_jobs');
  assert.match(logged.reason as string, /two values for the same series \{kind="build"\}/);
  if (!prometheusMissing()) assert.deepEqual(lintMetrics(text, 'text'), []);
});

test('readiness once the mapping is loaded; SIGTERM stops it cleanly', async () => {
  const a = await adapter();
  assert.equal((await fetch(`${a.url}/readyz`)).status, 200);
  a.child.kill('SIGTERM');
  assert.equal(await a.exited, 0);
  await waitFor(() => a.logs().some((l) => l.msg === 'stopped'), 15_000, 'stopped log');
});
