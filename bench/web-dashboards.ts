// What open /_pod dashboards cost web's pages (issue #31): its home page at 64 connections
// (wrk) with no dashboard open, the anchor, and with ten open, each an EventSource stream on
// /_pod/events, in interleaved rounds. Goal: ten dashboards cost at most 5% of the page
// throughput. web draws the demo pod (k8s/demo.yaml) and reads four helpers' status documents
// from servers of their own, as in a pod, so each update costs what it costs there.
import { randomBytes } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Running, spawnNode, tempDir } from '@pod-patterns/testing';
import { processCpuMs } from './lib/process-cpu.js';
import { shipped } from './lib/shipped.js';
import { fmt, median, printTable, roundRatios } from './lib/stats.js';
import { calmRounds, withSteal } from './lib/steal.js';
import { haveWrk, wrk } from './lib/wrk.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 64;
const DASHBOARDS = 10;
const webEntry = fileURLToPath(new URL('../apps/web/dist/main.js', import.meta.url));
const jsonServer = fileURLToPath(new URL('./lib/static-json-server.ts', import.meta.url));
const dashboards = fileURLToPath(new URL('./lib/dashboards.ts', import.meta.url));
const demoManifest = fileURLToPath(new URL('../k8s/demo.yaml', import.meta.url));

/** Status documents as the helpers serve them in the demo pod (each app's README). */
const DOCUMENTS = {
  redis: {
    sharded: true,
    servers: ['s0', 's1'].map((name, i) => ({
      name,
      address: `redis-${i}.redis:6379`,
      state: 'ok',
      commands: 1200,
      connections: 1,
      last_failure: null,
    })),
    keys: { 'visits:total': 's1', 'visits:page:/': 's0', 'visits:page:/_pod': 's1' },
  },
  http: {
    failed_fast: 0,
    upstreams: [
      {
        name: 'config-api',
        url: 'http://config-api',
        circuit: 'closed',
        requests: 40,
        failures: 0,
        retries: 1,
        circuit_changes: [],
      },
    ],
  },
  'git-sync': {
    repo: 'git://git-server/site',
    ref: 'main',
    period_seconds: 10,
    link: '/content/site',
    healthy: true,
    synced: 'a'.repeat(40),
    lastError: null,
    timeline: Array.from({ length: 20 }, (_, i) => ({
      at: new Date().toISOString(),
      event: i % 2 ? 'published' : 'fetched',
      sha: 'b'.repeat(40),
    })),
  },
  adapter: {
    source: 'http://127.0.0.1:9000/stats',
    scrapes: 30,
    last_scrape: {
      at: new Date().toISOString(),
      ok: true,
      error: null,
      from: '10.0.0.7',
      source_json: JSON.stringify({ requests: { site: { '200': 100 } } }, null, 2).repeat(20),
      exposition: '# HELP web_up 1 if up\n# TYPE web_up gauge\nweb_up 1\n'.repeat(40),
    },
  },
};

export async function benchWebDashboards(): Promise<void> {
  console.log(
    `\n## web with ${DASHBOARDS} /_pod dashboards open vs none: home page, ${CONNECTIONS} connections, ${ROUNDS} rounds x ${SECONDS}s (wrk)\n`,
  );
  if (!haveWrk()) {
    console.log('skipped: needs wrk (apt-get install wrk)');
    return;
  }
  const root = tempDir('bench-dashboards-');
  const sha = randomBytes(20).toString('hex');
  mkdirSync(join(root, '.worktrees', sha), { recursive: true });
  writeFileSync(
    join(root, '.worktrees', sha, 'index.html'),
    `<!doctype html><title>bench</title><pre>${'x'.repeat(4000)}</pre>\n`,
  );
  symlinkSync(join('.worktrees', sha), join(root, 'site'));
  const config = join(root, 'app.json');
  writeFileSync(config, JSON.stringify({ site: { title: 'bench' }, features: { visitCounter: false } }));

  const helpers: Running[] = [];
  const helperUrl: Record<string, string> = {};
  for (const [kind, doc] of Object.entries(DOCUMENTS)) {
    const file = join(root, `${kind}.json`);
    writeFileSync(file, JSON.stringify(doc));
    const server = spawnNode(jsonServer, [file], { nodeArgs: ['--import', 'tsx'] });
    helpers.push(server);
    helperUrl[kind] = `http://127.0.0.1:${(await server.waitForLog('listening')).port}`;
  }
  const asShipped = shipped('web');
  const web = spawnNode(webEntry, [], {
    nodeArgs: asShipped.nodeArgs,
    env: {
      ...asShipped.env,
      PORT: '0',
      HOST: '127.0.0.1',
      STATS_LISTEN: '127.0.0.1:0',
      CONTENT_DIR: join(root, 'site'),
      CONFIG_FILE: config,
      REDIS_URL: 'redis://127.0.0.1:1',
      ANNOUNCEMENTS_URL: '',
      POD_MANIFEST: demoManifest,
      POD_NAME: 'demo-bench-0',
      POD_CONTAINERS: [
        'config-init:init',
        `redis-ambassador:ambassador@${helperUrl.redis}/readyz`,
        `http-ambassador:ambassador@${helperUrl.http}/readyz`,
        `git-sync:sidecar@${helperUrl['git-sync']}/`,
        `metrics-adapter:adapter@${helperUrl.adapter}/healthz`,
        'web:main',
      ].join(','),
      SHUTDOWN_DELAY: '0s',
    },
  });
  const port = (await web.waitForLog('listening')).port as number;
  const home = `http://127.0.0.1:${port}/`;
  const pid = web.child.pid as number;

  /** The dashboards' streams, held by a process of their own; resolves once each has had an update. */
  const openDashboards = async (): Promise<Running> => {
    const reader = spawnNode(dashboards, [`http://127.0.0.1:${port}/_pod/events`, String(DASHBOARDS)], {
      nodeArgs: ['--import', 'tsx'],
    });
    await reader.waitForLog('open', 15_000);
    return reader;
  };
  const closeDashboards = async (reader: Running): Promise<{ bytes: number; updates: number }> => {
    reader.child.kill('SIGTERM');
    const totals = await reader.waitForLog('totals');
    await reader.exited;
    return { bytes: totals.bytes as number, updates: totals.updates as number };
  };

  type Round = { rps: number; p99ms: number; cpuUsPerRequest: number; stealPct: number; errors: number };
  const runs: Record<string, Round[]> = { 'none open': [], [`${DASHBOARDS} open`]: [] };
  let streamed = 0;
  let updates = 0;
  const measure = (name: string) => {
    const cpuBefore = processCpuMs(pid);
    const { result, stealPct } = withSteal(() => wrk(home, CONNECTIONS, SECONDS));
    const cpuUsPerRequest = ((processCpuMs(pid) - cpuBefore) * 1000) / (result.rps * SECONDS);
    runs[name]?.push({ ...result, cpuUsPerRequest, stealPct });
  };
  wrk(home, CONNECTIONS, 2); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so neither always meets the machine in the same state.
    const order = round % 2 === 0 ? ['none open', `${DASHBOARDS} open`] : [`${DASHBOARDS} open`, 'none open'];
    for (const name of order) {
      if (name === 'none open') {
        measure(name);
        continue;
      }
      const reader = await openDashboards();
      measure(name);
      const totals = await closeDashboards(reader);
      streamed += totals.bytes;
      updates += totals.updates;
    }
  }
  web.kill();
  for (const h of helpers) h.kill();

  const perRound = (name: string, key: keyof Round) => (runs[name] ?? []).map((r) => r[key]);
  const open = `${DASHBOARDS} open`;
  const ratios = roundRatios(perRound(open, 'rps'), perRound('none open', 'rps'));
  printTable(
    [
      'dashboards',
      'req/s (median)',
      'x none open',
      'p99 ms',
      'CPU µs/req',
      'errors',
      'req/s per round',
      'steal % per round',
    ],
    Object.keys(runs).map((name) => [
      name,
      fmt(median(perRound(name, 'rps'))),
      name === open ? fmt(median(ratios), 3) : '1',
      fmt(median(perRound(name, 'p99ms')), 2),
      fmt(median(perRound(name, 'cpuUsPerRequest')), 1),
      perRound(name, 'errors').reduce((a, b) => a + b, 0),
      perRound(name, 'rps')
        .map((n) => fmt(n))
        .join(' / '),
      perRound(name, 'stealPct')
        .map((n) => fmt(n))
        .join(' / '),
    ]),
  );
  const calm = calmRounds(
    [...Array(ROUNDS).keys()].map((i) => Math.max(...Object.values(runs).map((r) => r[i]?.stealPct ?? 100))),
  );
  const ratio = calm.median(ratios);
  console.log(`\n${calm.summary}; the goal is judged on the calm ones.`);
  console.log(
    `goal: ${DASHBOARDS} open dashboards cost at most 5% of page throughput (>= 0.95x none open): ${fmt(ratio, 3, 'x')} (all rounds: ${fmt(median(ratios), 3, 'x')}) ${calm.verdict(ratio >= 0.95)}`,
  );
  console.log(
    `each dashboard got ${fmt(updates / DASHBOARDS / ROUNDS, 1)} updates a round (${fmt(streamed / 1024 / DASHBOARDS / ROUNDS, 0)} KiB) while wrk ran ${SECONDS} s, from one render a second shared by all (apps/web/src/pod-feed.ts)`,
  );
}
