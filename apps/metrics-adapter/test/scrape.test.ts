import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, test } from 'node:test';
import { startHttpServer, waitFor } from '@pod-patterns/testing';
import parse from 'parse-prometheus-text-format';
import { type Adapter, sample, startAdapter, webStatsExample } from './helpers.js';

const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

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

async function adapter(env: Record<string, string> = {}): Promise<Adapter> {
  const a = await startAdapter({ ADAPTER_SOURCE_URL: `${source.url}/stats`, ADAPTER_SOURCE_TIMEOUT: '300ms', ...env });
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
  const a = await adapter();
  const cases: [string, (res: ServerResponse) => void][] = [
    ['http_status', (res) => res.writeHead(500).end('boom')],
    ['invalid_json', (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"requests": ')],
    ['timeout', () => {}],
  ];
  for (const [reason, handler] of cases) {
    respond = handler;
    const started = Date.now();
    const { status, text } = await scrape(a);
    assert.equal(status, 200, reason);
    assert.ok(Date.now() - started < 1500, `${reason}: bounded by the source timeout`);
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
  assert.equal((await fetch(`${a.url}/healthz`)).status, 200, 'still alive');
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
  respond = (res) => setTimeout(() => json(res, webStatsExample()), 200);
  const a = await adapter({ ADAPTER_SOURCE_TIMEOUT: '2s' });
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

test('readiness once the mapping is loaded; SIGTERM stops it cleanly', async () => {
  const a = await adapter();
  assert.equal((await fetch(`${a.url}/readyz`)).status, 200);
  a.child.kill('SIGTERM');
  assert.equal(await a.exited, 0);
  await waitFor(() => a.logs().some((l) => l.msg === 'stopped'), 2000, 'stopped log');
});
