// metrics-adapter: scrape latency and CPU per scrape with 10, 1,000 and 10,000 series in the
// source, against the limit: a plain fetch of the same JSON, in the same run. Goal (issue #7):
// p99 at most 2x the plain fetch at 1,000 series, and linear growth.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnNode, tempDir } from '@pod-patterns/testing';
import { mappedRegistry, OwnMetrics } from '../apps/metrics-adapter/src/exposition.js';
import { mapDocument } from '../apps/metrics-adapter/src/map-document.js';
import { loadMapping } from '../apps/metrics-adapter/src/mapping.js';
import { processCpuMs } from './lib/process-cpu.js';
import { fmt, printTable } from './lib/stats.js';

const adapterEntry = fileURLToPath(new URL('../apps/metrics-adapter/dist/main.js', import.meta.url));
const jsonServer = fileURLToPath(new URL('./lib/static-json-server.ts', import.meta.url));
const SIZES = [10, 1000, 10_000];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function timeRequests(url: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const res = await fetch(url);
    await res.text();
    times.push(performance.now() - started);
  }
  return times;
}

export async function benchAdapter(): Promise<void> {
  console.log('\n## metrics-adapter: one /metrics scrape vs a plain fetch of the same JSON (sequential requests)\n');
  const dir = tempDir('bench-adapter-');
  const mapping = join(dir, 'mapping.yaml');
  writeFileSync(
    mapping,
    'namespace: app\nmetrics:\n  - { name: app_requests_total, help: Requests., type: counter, path: $.requests, keys: [route, status] }\n',
  );
  const rows: (string | number)[][] = [];
  const perSeries: number[] = [];
  let breakdownSource = '';
  for (const series of SIZES) {
    const routes = Math.max(1, series / 10);
    const requests: Record<string, Record<string, number>> = {};
    for (let r = 0; r < routes; r++) {
      requests[`route_${r}`] = Object.fromEntries(
        Array.from({ length: series / routes }, (_, s) => [String(200 + s), r * 7 + s]),
      );
    }
    const file = join(dir, `source-${series}.json`);
    writeFileSync(file, JSON.stringify({ requests }));
    if (series === 1000) breakdownSource = JSON.stringify({ requests });
    const source = spawnNode(jsonServer, [file], { nodeArgs: ['--import', 'tsx'] });
    const sourcePort = (await source.waitForLog('listening')).port as number;
    const adapter = spawnNode(adapterEntry, [], {
      env: {
        ADAPTER_SOURCE_URL: `http://127.0.0.1:${sourcePort}/`,
        ADAPTER_MAPPING_FILE: mapping,
        ADAPTER_LISTEN: '127.0.0.1:0',
      },
    });
    const adapterPort = (await adapter.waitForLog('listening')).port as number;
    const rounds = series >= 10_000 ? 100 : 1000; // p99 of 1,000 samples is the 10th worst, not the 3rd
    const metricsUrl = `http://127.0.0.1:${adapterPort}/metrics`;
    const plainUrl = `http://127.0.0.1:${sourcePort}/`;
    await timeRequests(metricsUrl, 20); // warm-up
    await timeRequests(plainUrl, 20);
    const plainTimes: number[] = [];
    const scrapeTimes: number[] = [];
    const cpuBefore = processCpuMs(adapter.child.pid as number);
    for (let i = 0; i < rounds; i += 10) {
      plainTimes.push(...(await timeRequests(plainUrl, 10))); // interleaved, so drift hits both
      scrapeTimes.push(...(await timeRequests(metricsUrl, 10)));
    }
    const cpuPerScrape = (processCpuMs(adapter.child.pid as number) - cpuBefore) / scrapeTimes.length;
    const body = await (await fetch(metricsUrl)).text();
    const mapped = body.split('\n').filter((l) => l.startsWith('app_requests_total{')).length;
    adapter.kill();
    source.kill();
    const p99 = percentile(scrapeTimes, 99);
    const plainP99 = percentile(plainTimes, 99);
    perSeries.push((percentile(scrapeTimes, 50) - percentile(plainTimes, 50)) / series);
    rows.push([
      series,
      mapped,
      fmt(percentile(plainTimes, 50), 2),
      fmt(plainP99, 2),
      fmt(percentile(scrapeTimes, 50), 2),
      fmt(p99, 2),
      fmt(p99 / plainP99, 2),
      fmt(cpuPerScrape, 2),
      (((percentile(scrapeTimes, 50) - percentile(plainTimes, 50)) * 1000) / series).toFixed(2),
    ]);
  }
  printTable(
    [
      'series',
      'mapped',
      'plain p50 ms',
      'plain p99 ms',
      'scrape p50 ms',
      'scrape p99 ms',
      'p99 x plain',
      'adapter CPU ms/scrape',
      'extra us/series (p50)',
    ],
    rows,
  );
  const at1000 = rows[1];
  console.log(
    `\ngoal: scrape p99 <= 2x plain fetch p99 at 1,000 series: ${at1000?.[6]}x ${Number(at1000?.[6]) <= 2 ? 'met' : 'NOT met'}`,
  );
  console.log(
    `growth: extra microseconds per series at 1,000 and 10,000 series: ${perSeries
      .slice(1)
      .map((v) => (v * 1000).toFixed(2))
      .join(' and ')} (linear when they are close)`,
  );
  await printBreakdown(breakdownSource, mapping);
}

/**
 * Where a 1,000-series scrape's CPU goes, stage by stage, in this process with no I/O: the
 * floor under the scrape's latency, whatever the network and the machine add.
 */
async function printBreakdown(source: string, mappingFile: string): Promise<void> {
  const mapping = loadMapping(mappingFile);
  const own = new OwnMetrics(mapping.namespace, ['app_requests_total']);
  const document = JSON.parse(source);
  const mapped = mapDocument(mapping, document).metrics;
  const stages: [string, () => unknown][] = [
    ['JSON.parse of the source', () => JSON.parse(source)],
    ['mapping (map-document.ts)', () => mapDocument(mapping, document)],
    ['prom-client: render the mapped series', () => mappedRegistry(mapped, 'text').metrics()],
    ['prom-client: collect and render the default process metrics', () => own.renderProcess('text')],
  ];
  const rows: (string | number)[][] = [];
  for (const [stage, run] of stages) {
    const best: number[] = [];
    for (let round = 0; round < 7; round++) {
      const started = performance.now();
      for (let i = 0; i < 50; i++) await run();
      best.push((performance.now() - started) / 50);
    }
    rows.push([stage, fmt(Math.min(...best), 3)]); // the quickest round: the least disturbed
  }
  console.log('\nOne 1,000-series scrape, stage by stage (in process, no I/O):\n');
  printTable(['stage', 'ms (best of 7 rounds of 50)'], rows);
}
