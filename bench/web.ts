// web against nginx: a 4 KiB page, 64 connections, the same file from the same folder, side by
// side in one run. Goals (issue #3): at least 0.5x nginx's requests per second with the visit
// counter off, and a p99 under 5 ms with it on (through a real redis-server).
// BENCH_BASELINE=<another checkout, built> adds that checkout's web (counter off) to every
// round, and prints this one's CPU per request over it: how a change is judged.
import { randomBytes } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Running, spawnNode, startRedis, tempDir } from '@pod-patterns/testing';
import { haveNginx, startNginx } from './lib/nginx.js';
import { processCpuMs } from './lib/process-cpu.js';
import { describeShipped, peakRssMiB, shipped } from './lib/shipped.js';
import { fmt, median, printTable, roundRatios } from './lib/stats.js';
import { calmRounds, withSteal } from './lib/steal.js';
import { haveWrk, type LoadResult, wrk } from './lib/wrk.js';

// Short rounds, interleaved: this machine's speed swings for seconds at a time, and more rounds
// give each server the same chances.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 64;
const webEntry = fileURLToPath(new URL('../apps/web/dist/main.js', import.meta.url));
const baselineEntry = process.env.BENCH_BASELINE
  ? resolve(process.env.BENCH_BASELINE, 'apps/web/dist/main.js')
  : undefined;
/** What a pod's web also serves, through express: the kubelet's probes, the dashboard, a stray 404. */
const BESIDE_THE_PAGE = ['/healthz', '/readyz', '/_pod', '/no-such-page'];

export async function benchWeb(): Promise<void> {
  console.log(
    `\n## web vs nginx: 4 KiB page, ${CONNECTIONS} connections, ${ROUNDS} rounds x ${SECONDS}s (wrk, 1 thread)\n`,
  );
  if (!haveWrk() || !haveNginx()) {
    console.log('skipped: needs wrk and nginx (apt-get install wrk nginx-light)');
    return;
  }
  const root = tempDir('bench-web-');
  const sha = randomBytes(20).toString('hex');
  const worktree = join(root, '.worktrees', sha);
  mkdirSync(worktree, { recursive: true });
  const page = `<!doctype html><title>bench</title><pre>${'x'.repeat(4096 - 40)}</pre>\n`.slice(0, 4096);
  writeFileSync(join(worktree, 'index.html'), page);
  symlinkSync(join('.worktrees', sha), join(root, 'site'));

  const config = (visitCounter: boolean) => {
    const file = join(root, `config-${visitCounter}.json`);
    writeFileSync(file, JSON.stringify({ site: { title: 'bench' }, features: { visitCounter } }));
    return file;
  };
  const asShipped = shipped('web');
  const startWeb = async (env: Record<string, string>, entry = webEntry): Promise<Running & { port: number }> => {
    const run = spawnNode(entry, [], {
      nodeArgs: asShipped.nodeArgs,
      env: {
        ...asShipped.env,
        PORT: '0',
        HOST: '127.0.0.1',
        STATS_LISTEN: '127.0.0.1:0',
        CONTENT_DIR: join(root, 'site'),
        POD_CONTAINERS: 'web:main',
        SHUTDOWN_DELAY: '0s',
        ...env,
      },
    });
    const line = await run.waitForLog('listening');
    return Object.assign(run, { port: line.port as number });
  };

  const nginx = await startNginx(worktree);
  const webOff = await startWeb({ CONFIG_FILE: config(false), REDIS_URL: 'redis://127.0.0.1:1' });
  const redis = await startRedis();
  const webOn = await startWeb({ CONFIG_FILE: config(true), REDIS_URL: redis.url });
  const baseline = baselineEntry
    ? await startWeb({ CONFIG_FILE: config(false), REDIS_URL: 'redis://127.0.0.1:1' }, baselineEntry)
    : undefined;

  type Round = LoadResult & { cpuUsPerRequest: number; stealPct: number };
  const runs: Record<string, Round[]> = { nginx: [], 'web (counter off)': [], 'web (counter on)': [] };
  // CPU per request is the server's own user + system time over the requests it answered: less
  // swayed by the machine than req/s, since time the server spends waiting for a CPU is not in it.
  const pids: Record<string, number> = {
    nginx: nginx.workerPid,
    'web (counter off)': webOff.child.pid as number,
    'web (counter on)': webOn.child.pid as number,
  };
  if (baseline) {
    runs['web (counter off), baseline'] = [];
    pids['web (counter off), baseline'] = baseline.child.pid as number;
  }
  const urls: Record<string, string> = {
    nginx: `http://127.0.0.1:${nginx.port}/index.html`,
    'web (counter off)': `http://127.0.0.1:${webOff.port}/`,
    'web (counter on)': `http://127.0.0.1:${webOn.port}/`,
  };
  if (baseline) urls['web (counter off), baseline'] = `http://127.0.0.1:${baseline.port}/`;
  // As in a pod, requests through express come between the page views (150, as in apps/web's
  // README): on Node 20 they once made the page's own path slower for good.
  for (const [name, url] of Object.entries(urls)) {
    if (name === 'nginx') continue;
    for (let i = 0; i < 150; i++) await getOnce(new URL(BESIDE_THE_PAGE[i % 4] as string, url));
  }
  for (const url of Object.values(urls)) wrk(url, CONNECTIONS, 2); // warm-up (JIT, caches)
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, url] of Object.entries(urls)) {
      const pid = pids[name] as number;
      const cpuBefore = processCpuMs(pid);
      const { result, stealPct } = withSteal(() => wrk(url, CONNECTIONS, SECONDS));
      const cpuUsPerRequest = ((processCpuMs(pid) - cpuBefore) * 1000) / (result.rps * SECONDS);
      runs[name]?.push({ ...result, cpuUsPerRequest, stealPct });
    }
  }
  const status = (await (await fetch(`http://127.0.0.1:${webOn.port}/_pod/status`)).json()) as {
    visits: { total?: number };
  };
  const counted = status.visits.total ?? 0;

  const peakOn = peakRssMiB(webOn.child.pid as number);
  nginx.stop();
  webOff.kill();
  webOn.kill();
  baseline?.kill();
  await redis.stop();

  const perRound = (name: string, key: keyof Round) => (runs[name] ?? []).map((r) => r[key]);
  const med = (name: string, key: keyof Round) => median(perRound(name, key));
  const xNginxPerRound = (name: string) => roundRatios(perRound(name, 'rps'), perRound('nginx', 'rps'));
  printTable(
    [
      'server',
      'req/s (median)',
      'x nginx',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'errors',
      'req/s per round',
      'steal % per round',
    ],
    Object.keys(runs).map((name) => [
      name,
      fmt(med(name, 'rps')),
      fmt(median(xNginxPerRound(name)), 2),
      fmt(med(name, 'p50ms'), 2),
      fmt(med(name, 'p99ms'), 2),
      fmt(med(name, 'cpuUsPerRequest'), 1),
      (runs[name] ?? []).reduce((a, r) => a + r.errors, 0),
      perRound(name, 'rps')
        .map((n) => fmt(n))
        .join(' / '),
      perRound(name, 'stealPct')
        .map((n) => fmt(n))
        .join(' / '),
    ]),
  );
  // A round's steal is the worst of its three runs.
  const calm = calmRounds(
    [...Array(ROUNDS).keys()].map((i) => Math.max(...Object.values(runs).map((r) => r[i]?.stealPct ?? 100))),
  );
  const ratio = calm.median(xNginxPerRound('web (counter off)'));
  const p99 = calm.median(perRound('web (counter on)', 'p99ms'));
  console.log(`\n${calm.summary}; the goals are judged on the calm ones.`);
  console.log(
    `goal: web (counter off) >= 0.5x nginx req/s: ${fmt(ratio, 2, 'x')} (all rounds: ${fmt(median(xNginxPerRound('web (counter off)')), 2, 'x')}) ${calm.verdict(ratio >= 0.5)}`,
  );
  console.log(
    `goal: web (counter on) p99 < 5 ms: ${fmt(p99, 2, ' ms')} (all rounds: ${fmt(med('web (counter on)', 'p99ms'), 2, ' ms')}) ${calm.verdict(p99 < 5)}`,
  );
  if (baseline) {
    const cpuOverBaseline = calm.median(
      roundRatios(
        perRound('web (counter off)', 'cpuUsPerRequest'),
        perRound('web (counter off), baseline', 'cpuUsPerRequest'),
      ),
    );
    const rpsOverBaseline = calm.median(
      roundRatios(perRound('web (counter off)', 'rps'), perRound('web (counter off), baseline', 'rps')),
    );
    console.log(
      `this checkout over the baseline (counter off, calm rounds): CPU per request ${fmt(cpuOverBaseline, 3, 'x')}, req/s ${fmt(rpsOverBaseline, 3, 'x')}`,
    );
  }
  console.log(`visits counted in Redis during the counter-on runs: ${counted}`);
  console.log('nginx: worker_processes 1, sendfile, access_log off; web: one Node process. Both on 127.0.0.1.');
  console.log(
    `web (counter on), run as shipped (${describeShipped(asShipped)}): peak RSS ${fmt(peakOn, 1)} MiB, ${fmt(peakOn / asShipped.memoryLimitMiB, 2)}x the pod's limit of ${asShipped.memoryLimitMiB} MiB`,
  );
}

/** One GET on a connection of its own, read to the end. */
function getOnce(url: URL): Promise<void> {
  return new Promise((done, fail) => {
    get(url, { agent: false }, (res) => res.resume().on('end', done).on('error', fail)).on('error', fail);
  });
}
