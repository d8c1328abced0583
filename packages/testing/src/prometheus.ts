// Prometheus' own tools on our /metrics: promtool's lint, a strict OpenMetrics parser, and a
// real Prometheus server that scrapes. All come from Debian (`prometheus`,
// `python3-prometheus-client`), which CI installs; elsewhere the tests that need them skip and
// say why, unless REQUIRE_PROMETHEUS=1 (CI sets it) makes a missing tool a failure.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './http-server.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait.js';

// Debian's python3, not a pyenv or venv one without the package.
const PYTHON = '/usr/bin/python3';

/** Why the Prometheus tests cannot run here, or undefined when they can: use as `{ skip }`. */
export function prometheusMissing(): string | undefined {
  const missing: string[] = [];
  if (spawnSync('promtool', ['--version']).status !== 0) missing.push('promtool and prometheus (Debian: prometheus)');
  const parser = spawnSync(PYTHON, ['-c', 'import prometheus_client.openmetrics.parser']);
  if (parser.status !== 0) missing.push("python's OpenMetrics parser (Debian: python3-prometheus-client)");
  if (missing.length === 0) return undefined;
  const reason = `not installed: ${missing.join(', ')}`;
  if (process.env.REQUIRE_PROMETHEUS === '1') throw new Error(`REQUIRE_PROMETHEUS=1 and ${reason}`);
  return reason;
}

/** The Accept headers real scrapers send, verbatim. */
export const SCRAPER_ACCEPT = {
  prometheus2:
    'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
  prometheus3:
    'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
  curl: '*/*',
};

/**
 * What promtool reports on a /metrics body, one problem per line; [] when it is clean.
 *
 * promtool lints only the classic text format (prometheus/prometheus#8932). Read as text, an
 * OpenMetrics counter, `# HELP x` over a sample `x_total`, always gives "x_total no help text",
 * so for OpenMetrics exactly that finding is dropped, for counters whose family has its HELP.
 * The format itself is then checked by a strict OpenMetrics parser (prometheus_client's),
 * whose errors are returned as problems too.
 */
export function lintMetrics(body: string, format: 'text' | 'openmetrics'): string[] {
  if (body.trim() === '') return ['empty exposition']; // promtool passes an empty input
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  let problems = `${lint.stdout}${lint.stderr}`.split('\n').filter((line) => line.trim() !== '');
  if (format === 'openmetrics') {
    const counters = new Set([...body.matchAll(/^# TYPE (\S+) counter$/gm)].map((m) => m[1]));
    const helped = new Set([...body.matchAll(/^# HELP (\S+) /gm)].map((m) => m[1]));
    problems = problems.filter((line) => {
      const family = /^(\S+)_total no help text$/.exec(line)?.[1];
      return !(family && counters.has(family) && helped.has(family));
    });
    const parse = spawnSync(
      PYTHON,
      [
        '-c',
        'import sys\nfrom prometheus_client.openmetrics.parser import text_string_to_metric_families as parse\nlist(parse(sys.stdin.read()))',
      ],
      { input: body, encoding: 'utf8' },
    );
    if (parse.status !== 0) problems.push(`OpenMetrics parser: ${parse.stderr.trim().split('\n').at(-1)}`);
  }
  return problems;
}

/**
 * Scrapes a /metrics URL as curl and as Prometheus 3 would, checks that each got its format,
 * and lints both: { text: problems, openmetrics: problems }, each [] when clean.
 */
export async function lintEndpoint(url: string): Promise<{ text: string[]; openmetrics: string[] }> {
  const scrape = async (accept: string, type: RegExp, format: 'text' | 'openmetrics') => {
    const res = await fetch(url, { headers: { accept } });
    const contentType = res.headers.get('content-type') ?? '';
    const body = await res.text();
    if (res.status !== 200 || !type.test(contentType)) {
      return [`${format}: answered ${res.status} ${contentType}`];
    }
    return lintMetrics(body, format);
  };
  return {
    text: await scrape(SCRAPER_ACCEPT.curl, /^text\/plain; version=0\.0\.4/, 'text'),
    openmetrics: await scrape(
      SCRAPER_ACCEPT.prometheus3,
      /^application\/openmetrics-text; version=1\.0\.0/,
      'openmetrics',
    ),
  };
}

export interface TargetHealth {
  scrapeUrl: string;
  health: string;
  lastError: string;
}

export interface TestPrometheus {
  url: string;
  /** The targets as Prometheus reports them (GET /api/v1/targets). */
  targets(): Promise<TargetHealth[]>;
  /** An instant query's vector result, as [labels, value] pairs. */
  query(promql: string): Promise<[Record<string, string>, number][]>;
  stop(): Promise<void>;
}

/** A real Prometheus server on a free loopback port, scraping `targets` (host:port) every second. */
export async function startPrometheus(targets: string[], metricsPath = '/metrics'): Promise<TestPrometheus> {
  const dir = tempDir('prometheus-');
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: '1s', scrape_timeout: '900ms' },
      scrape_configs: [{ job_name: 'pod', metrics_path: metricsPath, static_configs: [{ targets }] }],
    }),
  );
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk) => {
    log += chunk;
  });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const api = async (path: string) => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
    return body.data;
  };
  await waitFor(
    async () => child.exitCode === null && (await fetch(`${url}/-/ready`)).ok,
    30_000,
    `prometheus ready (${log})`,
  );
  return {
    url,
    targets: async () => ((await api('/api/v1/targets')) as { activeTargets: TargetHealth[] }).activeTargets,
    query: async (promql) => {
      const data = (await api(`/api/v1/query?query=${encodeURIComponent(promql)}`)) as {
        result: { metric: Record<string, string>; value: [number, string] }[];
      };
      return data.result.map((r) => [r.metric, Number(r.value[1])]);
    },
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
