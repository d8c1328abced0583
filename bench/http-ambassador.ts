// http-ambassador against nginx as a reverse proxy: a 1 KiB JSON document from a local upstream
// (nginx serving the file), 64 connections, side by side in one run: straight to the upstream,
// through nginx's proxy_pass, and through the ambassador. Goals (the HTTP ambassador issue): at
// least 0.6x nginx's requests per second, and a p99 added over the direct path under 2 ms.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnNode, tempDir } from '@pod-patterns/testing';
import { haveNginx, startNginx, startNginxProxy } from './lib/nginx.js';
import { processCpuMs } from './lib/process-cpu.js';
import { describeShipped, peakRssMiB, shipped } from './lib/shipped.js';
import { fmt, median, printTable, roundRatios } from './lib/stats.js';
import { calmRounds, withSteal } from './lib/steal.js';
import { haveWrk, type LoadResult, wrk } from './lib/wrk.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 64;
const entry = fileURLToPath(new URL('../apps/http-ambassador/dist/main.js', import.meta.url));

export async function benchHttpAmbassador(): Promise<void> {
  console.log(
    `\n## http-ambassador vs nginx proxy_pass: 1 KiB JSON, ${CONNECTIONS} connections, ${ROUNDS} rounds x ${SECONDS}s (wrk, 1 thread)\n`,
  );
  if (!haveWrk() || !haveNginx()) {
    console.log('skipped: needs wrk and nginx (apt-get install wrk nginx-light)');
    return;
  }
  const root = tempDir('bench-http-ambassador-');
  const document = JSON.stringify({ announcements: ['x'.repeat(1000)] });
  writeFileSync(join(root, 'index.html'), document);
  writeFileSync(join(root, 'doc.json'), document);

  const upstream = await startNginx(root);
  const proxy = await startNginxProxy(upstream.port);
  const asShipped = shipped('http-ambassador');
  const ambassador = spawnNode(entry, [], {
    nodeArgs: asShipped.nodeArgs,
    env: {
      ...asShipped.env,
      AMBASSADOR_LISTEN: '127.0.0.1:0',
      OPS_LISTEN: '127.0.0.1:0',
      UPSTREAMS: `http://127.0.0.1:${upstream.port}`,
    },
  });
  const { port } = (await ambassador.waitForLog('listening')) as { port: number };

  type Round = LoadResult & { cpuUsPerRequest: number; stealPct: number };
  const urls: Record<string, string> = {
    direct: `http://127.0.0.1:${upstream.port}/doc.json`,
    'nginx proxy': `http://127.0.0.1:${proxy.port}/doc.json`,
    'http-ambassador': `http://127.0.0.1:${port}/doc.json`,
  };
  const pids: Record<string, number> = {
    direct: upstream.workerPid,
    'nginx proxy': proxy.workerPid,
    'http-ambassador': ambassador.child.pid as number,
  };
  const runs: Record<string, Round[]> = { direct: [], 'nginx proxy': [], 'http-ambassador': [] };
  for (const url of Object.values(urls)) wrk(url, CONNECTIONS, 2); // warm-up (JIT, pools)
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, url] of Object.entries(urls)) {
      const pid = pids[name] as number;
      const cpuBefore = processCpuMs(pid);
      const { result, stealPct } = withSteal(() => wrk(url, CONNECTIONS, SECONDS));
      const cpuUsPerRequest = ((processCpuMs(pid) - cpuBefore) * 1000) / (result.rps * SECONDS);
      runs[name]?.push({ ...result, cpuUsPerRequest, stealPct });
    }
  }
  const peak = peakRssMiB(ambassador.child.pid as number);
  ambassador.kill();
  proxy.stop();
  upstream.stop();

  const perRound = (name: string, key: keyof Round) => (runs[name] ?? []).map((r) => r[key]);
  const med = (name: string, key: keyof Round) => median(perRound(name, key));
  const xProxy = (name: string) => roundRatios(perRound(name, 'rps'), perRound('nginx proxy', 'rps'));
  const addedP99 = (name: string) =>
    perRound(name, 'p99ms').map((p, i) => p - (perRound('direct', 'p99ms')[i] ?? Number.NaN));
  printTable(
    [
      'path',
      'req/s (median)',
      'x nginx proxy',
      'p50 ms',
      'p99 ms',
      'p99 added ms',
      'CPU µs/req',
      'errors',
      'req/s per round',
      'steal % per round',
    ],
    Object.keys(runs).map((name) => [
      name,
      fmt(med(name, 'rps')),
      fmt(median(xProxy(name)), 2),
      fmt(med(name, 'p50ms'), 2),
      fmt(med(name, 'p99ms'), 2),
      name === 'direct' ? '—' : fmt(median(addedP99(name)), 2),
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
  const calm = calmRounds(
    [...Array(ROUNDS).keys()].map((i) => Math.max(...Object.values(runs).map((r) => r[i]?.stealPct ?? 100))),
  );
  const ratio = calm.median(xProxy('http-ambassador'));
  const added = calm.median(addedP99('http-ambassador'));
  console.log(`\n${calm.summary}; the goals are judged on the calm ones.`);
  console.log(
    `goal: http-ambassador >= 0.6x nginx proxy req/s: ${fmt(ratio, 2, 'x')} (all rounds: ${fmt(median(xProxy('http-ambassador')), 2, 'x')}) ${calm.verdict(ratio >= 0.6)}`,
  );
  console.log(
    `goal: p99 added over direct < 2 ms: ${fmt(added, 2, ' ms')} (all rounds: ${fmt(median(addedP99('http-ambassador')), 2, ' ms')}) ${calm.verdict(added < 2)}`,
  );
  console.log(
    'nginx: worker_processes 1, keepalive 64 to the upstream; the ambassador: one Node process, keep-alive agent.',
  );
  console.log(
    `http-ambassador, run as shipped (${describeShipped(asShipped)}): peak RSS ${fmt(peak, 1)} MiB, ${fmt(peak / asShipped.memoryLimitMiB, 2)}x the pod's limit of ${asShipped.memoryLimitMiB} MiB`,
  );
}
