// http-ambassador against the library it is built on: a 1 KiB JSON document from a local
// upstream (nginx serving the file), side by side in one run. The anchor that judges is a bare
// http-proxy-3 proxy (lib/bare-http-proxy.ts); nginx's proxy_pass and the upstream itself are
// reported beside it. Three measurements (the HTTP ambassador load issue):
// - saturation: wrk, 64 connections, rounds alternating the paths; a round with any error
//   fails, and the circuit must never leave `closed` (read from the ambassador's /metrics);
// - latency at a fixed rate: 2,000 req/s offered open-loop (lib/paced-client.ts), p50/p99/p99.9
//   added over the direct path;
// - a soak: 5 minutes at 2,000 req/s (BENCH_SOAK_SECONDS), errors, and RSS in the last minute
//   against the first.
// Goals: 0 errors and the circuit closed; the slowest calm round at least 0.8x the fastest; at
// least 0.8x the bare library at saturation; p99 added under 2 ms at 2,000 req/s; in the soak 0
// errors and last-minute RSS at most 1.1x the first minute's.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Running, spawnNode, tempDir } from '@pod-patterns/testing';
import { haveNginx, startNginx, startNginxProxy } from './lib/nginx.js';
import { type PacedResult, paced, pacedWhile } from './lib/paced.js';
import { processCpuMs } from './lib/process-cpu.js';
import { describeShipped, peakRssMiB, shipped } from './lib/shipped.js';
import { fmt, median, printTable, roundRatios } from './lib/stats.js';
import { calmRounds, withSteal } from './lib/steal.js';
import { haveWrk, type LoadResult, wrk } from './lib/wrk.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 10);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 300);
const RATE = 2000;
const CONNECTIONS = 64;
const entry = fileURLToPath(new URL('../apps/http-ambassador/dist/main.js', import.meta.url));
const bareProxy = fileURLToPath(new URL('./lib/bare-http-proxy.ts', import.meta.url));

type Round = LoadResult & { cpuUsPerRequest: number; stealPct: number };
const AMBASSADOR = 'http-ambassador';
const BARE = 'bare http-proxy-3';

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

async function circuitMoves(opsUrl: string): Promise<number> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  return [...text.matchAll(/^http_ambassador_circuit_transitions_total\{[^}]*\} (\d+)/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

export async function benchHttpAmbassador(): Promise<void> {
  console.log(
    `\n## http-ambassador vs a bare http-proxy-3 proxy: 1 KiB JSON; saturation at ${CONNECTIONS} connections, ${ROUNDS} rounds x ${SECONDS}s (wrk, 1 thread); ${RATE} req/s paced (open loop); a ${SOAK_SECONDS}s soak\n`,
  );
  if (!haveWrk() || !haveNginx()) {
    console.log('skipped: needs wrk and nginx (apt-get install wrk nginx-light)');
    return;
  }
  const root = tempDir('bench-http-ambassador-');
  const document = JSON.stringify({ announcements: ['x'.repeat(1000)] });
  writeFileSync(join(root, 'index.html'), document); // nginx's readiness check asks for /
  writeFileSync(join(root, 'doc.json'), document);

  // Each process is stopped at the end, also when a later one fails to start.
  const stops: (() => void)[] = [];
  try {
    await run(root, stops);
  } finally {
    for (const stop of stops.reverse()) stop();
  }
}

async function run(root: string, stops: (() => void)[]): Promise<void> {
  const upstream = await startNginx(root);
  stops.push(() => upstream.stop());
  const nginxProxy = await startNginxProxy(upstream.port);
  stops.push(() => nginxProxy.stop());
  const bare: Running = spawnNode(bareProxy, [`http://127.0.0.1:${upstream.port}`], { nodeArgs: ['--import', 'tsx'] });
  stops.push(() => bare.kill());
  const barePort = ((await bare.waitForLog('listening')) as { port: number }).port;
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
  stops.push(() => ambassador.kill());
  const started = (await ambassador.waitForLog('listening')) as { port: number; opsPort: number };
  const ops = `http://127.0.0.1:${started.opsPort}`;

  const urls: Record<string, string> = {
    direct: `http://127.0.0.1:${upstream.port}/doc.json`,
    'nginx proxy': `http://127.0.0.1:${nginxProxy.port}/doc.json`,
    [BARE]: `http://127.0.0.1:${barePort}/doc.json`,
    [AMBASSADOR]: `http://127.0.0.1:${started.port}/doc.json`,
  };
  const pids: Record<string, number> = {
    direct: upstream.workerPid,
    'nginx proxy': nginxProxy.workerPid,
    [BARE]: bare.child.pid as number,
    [AMBASSADOR]: ambassador.child.pid as number,
  };
  // 1. Saturation.
  const runs: Record<string, Round[]> = Object.fromEntries(Object.keys(urls).map((name) => [name, []]));
  for (const url of Object.values(urls)) wrk(url, CONNECTIONS, 2); // warm-up (JIT, pools)
  for (let round = 0; round < ROUNDS; round++) {
    // The order alternates, so that no path always runs right after the same other one.
    const order = round % 2 === 0 ? Object.keys(urls) : Object.keys(urls).reverse();
    for (const name of order) {
      const pid = pids[name] as number;
      const cpuBefore = processCpuMs(pid);
      const { result, stealPct } = withSteal(() => wrk(urls[name] as string, CONNECTIONS, SECONDS));
      const cpuUsPerRequest = ((processCpuMs(pid) - cpuBefore) * 1000) / (result.rps * SECONDS);
      runs[name]?.push({ ...result, cpuUsPerRequest, stealPct });
    }
  }
  const moves = await circuitMoves(ops);
  const perRound = (name: string, key: keyof Round) => (runs[name] ?? []).map((r) => r[key]);
  const med = (name: string, key: keyof Round) => median(perRound(name, key));
  const xBare = (name: string) => roundRatios(perRound(name, 'rps'), perRound(BARE, 'rps'));
  const failedRounds = (name: string) => (runs[name] ?? []).filter((r) => r.errors > 0).length;
  printTable(
    [
      'path',
      'req/s (median)',
      'x bare proxy',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'errors',
      'failed rounds',
      'req/s per round',
    ],
    Object.keys(urls).map((name) => [
      name,
      fmt(med(name, 'rps')),
      fmt(median(xBare(name)), 2),
      fmt(med(name, 'p50ms'), 2),
      fmt(med(name, 'p99ms'), 2),
      fmt(med(name, 'cpuUsPerRequest'), 1),
      (runs[name] ?? []).reduce((a, r) => a + r.errors, 0),
      `${failedRounds(name)} of ${ROUNDS}`,
      perRound(name, 'rps')
        .map((n) => fmt(n))
        .join(' / '),
    ]),
  );
  const calm = calmRounds(
    [...Array(ROUNDS).keys()].map((i) => Math.max(...Object.values(runs).map((r) => r[i]?.stealPct ?? 100))),
  );
  console.log(
    `\n${calm.summary}; the goals are judged on the calm ones. p99 at saturation is queueing: reported, not judged.`,
  );
  const errors = (runs[AMBASSADOR] ?? []).reduce((a, r) => a + r.errors, 0);
  console.log(
    `goal: 0 errors and the circuit never leaves closed: ${errors} errors, ${moves} circuit transitions ${errors === 0 && moves === 0 ? 'met' : 'NOT met'}`,
  );
  const calmRps = calm.values(perRound(AMBASSADOR, 'rps'));
  const spread = Math.min(...calmRps) / Math.max(...calmRps);
  console.log(
    `goal: one speed, the slowest calm round >= 0.8x the fastest: ${fmt(spread, 2, 'x')} ${calm.verdict(spread >= 0.8)}`,
  );
  const ratio = calm.median(xBare(AMBASSADOR));
  console.log(
    `goal: >= 0.8x the bare http-proxy-3 proxy at saturation: ${fmt(ratio, 2, 'x')} (nginx proxy_pass: ${fmt(calm.median(xBare('nginx proxy')), 2, 'x')} the bare proxy) ${calm.verdict(ratio >= 0.8)}`,
  );

  // 2. Latency at a fixed rate, each path in turn, twice.
  const pacedRuns: Record<string, PacedResult[]> = { direct: [], [BARE]: [], [AMBASSADOR]: [] };
  for (let round = 0; round < 2; round++)
    for (const name of Object.keys(pacedRuns))
      pacedRuns[name]?.push(await paced(urls[name] as string, RATE, PACED_SECONDS));
  const added = (name: string, key: 'p50ms' | 'p99ms' | 'p999ms') =>
    median((pacedRuns[name] ?? []).map((r, i) => r[key] - ((pacedRuns.direct ?? [])[i]?.[key] ?? Number.NaN)));
  console.log(
    `\nAt ${RATE} req/s offered (open loop, lib/paced-client.ts; ${PACED_SECONDS}s per path, 2 rounds; added = over the direct path in the same round):\n`,
  );
  printTable(
    ['path', 'req/s achieved', 'p50 ms', 'p99 ms', 'p99.9 ms', 'p50 added', 'p99 added', 'p99.9 added', 'errors'],
    Object.entries(pacedRuns).map(([name, rs]) => [
      name,
      fmt(median(rs.map((r) => r.rps))),
      fmt(median(rs.map((r) => r.p50ms)), 2),
      fmt(median(rs.map((r) => r.p99ms)), 2),
      fmt(median(rs.map((r) => r.p999ms)), 2),
      name === 'direct' ? '—' : fmt(added(name, 'p50ms'), 2),
      name === 'direct' ? '—' : fmt(added(name, 'p99ms'), 2),
      name === 'direct' ? '—' : fmt(added(name, 'p999ms'), 2),
      rs.reduce((a, r) => a + r.errors, 0),
    ]),
  );
  const p99Added = added(AMBASSADOR, 'p99ms');
  console.log(
    `goal: p99 added under 2 ms at ${RATE} req/s: ${fmt(p99Added, 2, ' ms')} ${p99Added < 2 ? 'met' : 'NOT met'}`,
  );

  // 3. The soak.
  if (SOAK_SECONDS > 0) {
    const rss: number[] = [];
    const pid = ambassador.child.pid as number;
    const soak = await pacedWhile(urls[AMBASSADOR] as string, RATE, SOAK_SECONDS, () => rss.push(rssMiB(pid)));
    const minute = Math.min(60, Math.floor(rss.length / 2));
    const first = median(rss.slice(0, minute));
    const last = median(rss.slice(-minute));
    const growth = last / first;
    console.log(
      `\nsoak: ${SOAK_SECONDS}s at ${RATE} req/s: ${soak.requests} requests (${fmt(soak.rps)} req/s achieved), ${soak.errors} errors, p99 ${fmt(soak.p99ms, 2)} ms; RSS median ${fmt(first, 1)} MiB in the first ${minute}s, ${fmt(last, 1)} MiB in the last (${fmt(growth, 2, 'x')})`,
    );
    console.log(
      `goal: in the soak, 0 errors and last-minute RSS <= 1.1x the first: ${soak.errors === 0 && growth <= 1.1 ? 'met' : 'NOT met'}`,
    );
  }
  console.log(
    `\nnginx: worker_processes 1, keepalive 64 to the upstream; the bare proxy: createProxyServer({ target, agent }) with a keep-alive agent; the ambassador: run as shipped (${describeShipped(asShipped)}), peak RSS ${fmt(peakRssMiB(pids[AMBASSADOR] as number), 1)} MiB of the pod's ${asShipped.memoryLimitMiB} MiB limit`,
  );
}
