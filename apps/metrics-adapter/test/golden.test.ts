import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import parse from 'parse-prometheus-text-format';
import { mappedRegistry } from '../src/exposition.js';
import { mapDocument } from '../src/map-document.js';
import { webMapping, webStatsExample } from './helpers.js';

const GOLDEN = `# HELP web_http_requests_total HTTP requests answered, by route class and status code.
# TYPE web_http_requests_total counter
web_http_requests_total{route="site",status="200"} 3
web_http_requests_total{route="site",status="404"} 1
web_http_requests_total{route="dashboard",status="200"} 1
web_http_requests_total{route="probe",status="200"} 1

# HELP web_http_request_duration_seconds Time to answer an HTTP request.
# TYPE web_http_request_duration_seconds histogram
web_http_request_duration_seconds_bucket{le="0.001"} 0
web_http_request_duration_seconds_bucket{le="0.0025"} 1
web_http_request_duration_seconds_bucket{le="0.005"} 5
web_http_request_duration_seconds_bucket{le="0.01"} 6
web_http_request_duration_seconds_bucket{le="0.025"} 6
web_http_request_duration_seconds_bucket{le="0.05"} 6
web_http_request_duration_seconds_bucket{le="0.1"} 6
web_http_request_duration_seconds_bucket{le="0.25"} 6
web_http_request_duration_seconds_bucket{le="0.5"} 6
web_http_request_duration_seconds_bucket{le="1"} 6
web_http_request_duration_seconds_bucket{le="2.5"} 6
web_http_request_duration_seconds_bucket{le="5"} 6
web_http_request_duration_seconds_bucket{le="+Inf"} 6
web_http_request_duration_seconds_sum 0.025753
web_http_request_duration_seconds_count 6

# HELP web_visits_total Page views this process counted in Redis through the ambassador.
# TYPE web_visits_total counter
web_visits_total 0

# HELP web_redis_errors_total Page views that could not be counted, and Redis reads that failed.
# TYPE web_redis_errors_total counter
web_redis_errors_total 4

# HELP web_content_revision_changes_total Times the served content revision changed (the first sync counts).
# TYPE web_content_revision_changes_total counter
web_content_revision_changes_total 1

# HELP web_content_info The content revision being served; always 1.
# TYPE web_content_info gauge
web_content_info{revision="e83c5163316f89bfbde7d9ab23ca2e25604af290"} 1

# HELP web_config_info The config version in use; always 1.
# TYPE web_config_info gauge
web_config_info{version="2026-11-25.1"} 1

# HELP web_config_reloads_total Times a changed, valid config was loaded without a restart.
# TYPE web_config_reloads_total counter
web_config_reloads_total 0

# HELP web_start_time_seconds When the web process started, in Unix seconds.
# TYPE web_start_time_seconds gauge
web_start_time_seconds 1795622238
`;

test("golden: web's documented /stats in, the exact exposition text out", async () => {
  const { metrics, misses } = mapDocument(webMapping, webStatsExample());
  assert.deepEqual(misses, []);
  assert.equal(await mappedRegistry(metrics, 'text').metrics(), GOLDEN);
});

test('the golden output parses with a Prometheus text parser, with the values in base units', () => {
  const families = parse(GOLDEN);
  assert.equal(families.length, 9);
  const byName = Object.fromEntries(families.map((f) => [f.name, f]));
  assert.equal(byName.web_http_requests_total?.type, 'COUNTER');
  assert.deepEqual(byName.web_http_requests_total?.metrics[1], {
    value: '1',
    labels: { route: 'site', status: '404' },
  });
  const histogram = byName.web_http_request_duration_seconds;
  assert.equal(histogram?.type, 'HISTOGRAM');
  assert.equal(histogram?.metrics[0]?.buckets?.['0.005'], '5');
  assert.equal(histogram?.metrics[0]?.sum, '0.025753');
  assert.equal(histogram?.metrics[0]?.count, '6');
});

test("the adapter README shows exactly these metrics for web README's JSON", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const shown = /<!-- metrics-example:start -->\s*```\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.equal(shown, GOLDEN);
});
