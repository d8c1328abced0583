import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  lintMetrics,
  prometheusMissing,
  SCRAPER_ACCEPT,
  startHttpServer,
  startPrometheus,
  waitFor,
} from '@pod-patterns/testing';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { createMetricsRegistry, DROPPED_DEFAULT_METRICS } from '../src/metrics.js';
import { type MetricsFormat, negotiateMetricsFormat, renderMetrics } from '../src/metrics-format.js';
import { startOpsServer } from '../src/ops-server.js';
import { Readiness } from '../src/readiness.js';

const PROMETHEUS_2 = SCRAPER_ACCEPT.prometheus2;
const PROMETHEUS_3 = SCRAPER_ACCEPT.prometheus3;
// Prometheus 3 with scrape_protocols: [PrometheusProto, PrometheusText0.0.4]: protobuf is not served.
const PROMETHEUS_3_PROTO_FIRST =
  'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,text/plain;version=0.0.4;q=0.5,*/*;q=0.4';

const cases: [string, string | undefined, MetricsFormat][] = [
  ['no Accept header', undefined, 'text'],
  ['curl (*/*)', SCRAPER_ACCEPT.curl, 'text'],
  ['Prometheus 2.x', PROMETHEUS_2, 'openmetrics'],
  ['Prometheus 3.x, with escaping=', PROMETHEUS_3, 'openmetrics'],
  ['Prometheus 3.x asking for protobuf first', PROMETHEUS_3_PROTO_FIRST, 'text'],
  ['OpenMetrics with charset', 'application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
  ['OpenMetrics without a version', 'application/openmetrics-text', 'openmetrics'],
  ['OpenMetrics 0.0.1', 'application/openmetrics-text;version=0.0.1', 'openmetrics'],
  [
    'an OpenMetrics version not served, then text',
    'application/openmetrics-text;version=2.0.0,text/plain;q=0.1',
    'text',
  ],
  ['text preferred by q', 'application/openmetrics-text;q=0.5, text/plain;q=0.9', 'text'],
  ['OpenMetrics preferred by q, written last', 'text/plain;q=0.4, application/openmetrics-text;q=0.8', 'openmetrics'],
  ['q=0 refuses a type', 'application/openmetrics-text;q=0, */*;q=0.1', 'text'],
  ['at equal q the more specific range wins', '*/*, application/openmetrics-text', 'openmetrics'],
  ['application/*', 'application/*', 'openmetrics'],
  ['media types are case-insensitive', 'Application/OpenMetrics-Text; Version=1.0.0', 'openmetrics'],
  ['a quoted version', 'application/openmetrics-text; version="1.0.0"', 'openmetrics'],
  ['malformed items are skipped', 'garbage, ;;, /, text/, application/openmetrics-text;q=abc', 'text'],
  ['only types not served', 'application/json, image/png', 'text'],
];
for (const [name, accept, expected] of cases) {
  test(`negotiation: ${name} -> ${expected}`, () => {
    assert.equal(negotiateMetricsFormat(accept), expected);
  });
}

function fixtureRegistry(): Registry {
  const registry = createMetricsRegistry();
  new Counter({ name: 'fixture_requests_total', help: 'Requests.', labelNames: ['code'], registers: [registry] }).inc(
    { code: '200' },
    3,
  );
  new Gauge({ name: 'fixture_in_flight', help: 'Requests in flight.', registers: [registry] }).set(2);
  new Histogram({ name: 'fixture_duration_seconds', help: 'Durations.', registers: [registry] }).observe(0.2);
  return registry;
}

test('OpenMetrics ends with one # EOF, names counter families without _total, and leaves the counter intact', async () => {
  const registry = fixtureRegistry();
  const om = await renderMetrics(registry, 'openmetrics');
  assert.equal(om.contentType, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
  assert.ok(om.body.endsWith('\n# EOF\n'));
  assert.equal(om.body.match(/# EOF/g)?.length, 1);
  assert.match(om.body, /^# TYPE fixture_requests counter\n^fixture_requests_total\{code="200"\} 3$/m);
  // prom-client alone renames the counter object for good on its first OpenMetrics render.
  const text = await renderMetrics(registry, 'text');
  assert.equal(text.contentType, 'text/plain; version=0.0.4; charset=utf-8');
  assert.match(text.body, /^# TYPE fixture_requests_total counter\n^fixture_requests_total\{code="200"\} 3$/m);
  assert.match(text.body, /^process_cpu_user_seconds_total /m);
  const again = await renderMetrics(registry, 'openmetrics');
  assert.match(again.body, /^fixture_requests_total\{code="200"\} 3$/m);
  assert.doesNotMatch(again.body, /_total_total/);
});

test("the Node defaults that break promtool's lint are dropped; their per-type series stay", async () => {
  const body = (await renderMetrics(createMetricsRegistry(), 'text')).body;
  for (const name of DROPPED_DEFAULT_METRICS) assert.doesNotMatch(body, new RegExp(`^${name}`, 'm'));
  assert.match(body, /^# TYPE nodejs_active_handles gauge$/m);
  assert.match(body, /^# TYPE nodejs_eventloop_lag_p99_seconds gauge$/m);
});

const missing = prometheusMissing();
test('promtool finds no problem in either format, and the checks fail on what they must catch', {
  skip: missing,
}, async () => {
  const registry = fixtureRegistry();
  assert.deepEqual(lintMetrics((await renderMetrics(registry, 'text')).body, 'text'), []);
  assert.deepEqual(lintMetrics((await renderMetrics(registry, 'openmetrics')).body, 'openmetrics'), []);

  // Bad fixtures: prom-client's own defaults, an OpenMetrics family named _total, a missing EOF.
  const raw = new Registry();
  collectDefaultMetrics({ register: raw });
  assert.ok(
    lintMetrics(await raw.metrics(), 'text').includes(
      'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
    ),
  );
  const clash = '# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n# EOF\n';
  assert.match(lintMetrics(clash, 'openmetrics').join('\n'), /OpenMetrics parser: ValueError: Clashing name/);
  const noEof = '# HELP x X.\n# TYPE x counter\nx_total 1\n';
  assert.match(lintMetrics(noEof, 'openmetrics').join('\n'), /Missing # EOF/);
  assert.match(lintMetrics('# HELP y_total Y.\n# TYPE y_total gauge\ny_total 1\n', 'text').join('\n'), /non-counter/);
  assert.deepEqual(lintMetrics('', 'text'), ['empty exposition']);
});

test('/metrics answers each scraper in its format, over HTTP', async () => {
  const registry = fixtureRegistry();
  const ops = await startOpsServer({ listen: { host: '127.0.0.1', port: 0 }, readiness: new Readiness(), registry });
  after(() => ops.close());
  const scrape = async (accept?: string) => {
    const res = await fetch(`http://127.0.0.1:${ops.address.port}/metrics`, accept ? { headers: { accept } } : {});
    return { type: res.headers.get('content-type'), body: await res.text() };
  };
  const om = await scrape(PROMETHEUS_3);
  assert.match(om.type ?? '', /^application\/openmetrics-text; version=1.0.0/);
  assert.ok(om.body.endsWith('# EOF\n'));
  const text = await scrape();
  assert.match(text.type ?? '', /^text\/plain; version=0.0.4/);
  assert.match(text.body, /^fixture_requests_total\{code="200"\} 3$/m);
  assert.doesNotMatch(text.body, /# EOF/);
});

test('a real Prometheus scrapes /metrics without error, and reports a broken exposition as down', {
  skip: missing,
}, async () => {
  const ops = await startOpsServer({
    listen: { host: '127.0.0.1', port: 0 },
    readiness: new Readiness(),
    registry: fixtureRegistry(),
  });
  // The bad fixture: OpenMetrics cut short, without its # EOF.
  const broken = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
    res.end('# HELP x X.\n# TYPE x counter\nx_total 1\n');
  });
  const good = `127.0.0.1:${ops.address.port}`;
  const prometheus = await startPrometheus([good, `127.0.0.1:${broken.port}`]);
  try {
    await waitFor(
      async () => {
        const targets = await prometheus.targets();
        return targets.length === 2 && targets.every((t) => t.health !== 'unknown');
      },
      30_000,
      'both targets scraped',
    );
    const targets = await prometheus.targets();
    const ours = targets.find((t) => t.scrapeUrl.includes(good));
    assert.equal(ours?.health, 'up', ours?.lastError);
    assert.equal(ours?.lastError, '');
    const bad = targets.find((t) => !t.scrapeUrl.includes(good));
    assert.equal(bad?.health, 'down');
    assert.notEqual(bad?.lastError, '');
    const stored = await prometheus.query('fixture_requests_total');
    assert.deepEqual(
      stored.map(([labels, value]) => [labels.code, value]),
      [['200', 3]],
    );
  } finally {
    await prometheus.stop();
    await ops.close();
    await broken.close();
  }
});
