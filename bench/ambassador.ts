// redis-ambassador against nutcracker (twemproxy) and redis-server directly, side by side in one
// run: redis-benchmark -t set,get -n 200000 -c 50 -r 100000 at -P 1 and -P 16, with one server
// and with two shards. Goals (issue #6): at least 1.0x nutcracker's throughput at -P 16 and 0.9x
// at -P 1, in both modes, with a p99 at most 1.5x nutcracker's.
// BENCH_BASELINE=<another checkout, built> adds that checkout's ambassador to every round, as
// "ambassador before", and prints this one's figures over it: how a change is judged.
import { execFile, execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnNode, startRedis, tempDir } from '@pod-patterns/testing';
import { startNutcracker } from '../apps/redis-ambassador/test/helpers.js';
import { describeShipped, peakRssMiB, shipped } from './lib/shipped.js';
import { fmt, median, printTable, roundRatios } from './lib/stats.js';
import { calmRounds, withSteal } from './lib/steal.js';

const entry = fileURLToPath(new URL('../apps/redis-ambassador/dist/main.js', import.meta.url));
const baseline = process.env.BENCH_BASELINE
  ? resolve(process.env.BENCH_BASELINE, 'apps/redis-ambassador/dist/main.js')
  : undefined;
/** How the ambassador's image and pod run node, so what is measured is what ships. BENCH_IMAGE_FLAGS=0 drops it. */
const asShipped = shipped('redis-ambassador');
const nodeFlags = asShipped.nodeArgs;
const execFileAsync = promisify(execFile);
const pongServer = fileURLToPath(new URL('./lib/pong-server.ts', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200_000);
/** `BENCH_PIPELINES=16` runs only -P 16: many more rounds of it in the same time. */
const PIPELINES = (process.env.BENCH_PIPELINES ?? '1,16').split(',').map(Number);

interface Result {
  rps: number;
  p99: number;
}

function redisBenchmark(port: number, pipeline: number): Record<string, Result> {
  const out = execFileSync(
    'redis-benchmark',
    [
      '-p',
      String(port),
      '-t',
      'set,get',
      '-n',
      String(REQUESTS),
      '-c',
      '50',
      '-r',
      '100000',
      '-P',
      String(pipeline),
      '--csv',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const results: Record<string, Result> = {};
  for (const line of out.trim().split('\n').slice(1)) {
    const cells = line.split(',').map((c) => c.replace(/"/g, ''));
    results[cells[0] as string] = { rps: Number(cells[1]), p99: Number(cells[6]) };
  }
  return results;
}

function have(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function benchAmbassador(): Promise<void> {
  console.log(
    `\n## redis-ambassador vs nutcracker vs redis-server: redis-benchmark -t set,get -n ${REQUESTS} -c 50 -r 100000, medians of ${ROUNDS}\n`,
  );
  console.log(
    `ambassador node flags (its image's ENTRYPOINT and the manifest's NODE_OPTIONS): ${describeShipped(asShipped)}`,
  );
  if (!have('redis-benchmark') || !have('nutcracker')) {
    console.log('skipped: needs redis-benchmark (redis-tools) and nutcracker');
    return;
  }
  const dir = tempDir('bench-ambassador-');
  const shards = [await startRedis(), await startRedis()];
  const one = `127.0.0.1:${shards[0]?.port}:1 s0`;
  const two = shards.map((s, i) => `127.0.0.1:${s.port}:1 s${i}`).join(',');
  const targets: { name: string; mode: string; port: number; stop: () => Promise<void> | void; pid?: number }[] = [];
  targets.push({ name: 'redis-server', mode: 'direct', port: shards[0]?.port as number, stop: () => {} });
  for (const [mode, servers] of [
    ['1 server', one],
    ['2 shards', two],
  ] as const) {
    const nc = await startNutcracker(dir, servers);
    targets.push({ name: 'nutcracker', mode, port: nc.port, stop: nc.stop });
    for (const [name, script] of [
      ['ambassador', entry],
      ['ambassador before', baseline],
    ] as const) {
      if (!script) continue;
      const ambassador = spawnNode(script, [], {
        env: {
          REDIS_SERVERS: servers,
          AMBASSADOR_LISTEN: '127.0.0.1:0',
          OPS_LISTEN: '127.0.0.1:0',
          LOG_LEVEL: 'info',
          ...asShipped.env,
        },
        nodeArgs: nodeFlags,
      });
      const port = (await ambassador.waitForLog('listening')).port as number;
      const pid = ambassador.child.pid as number;
      targets.push({ name, mode, port, stop: () => ambassador.kill(), pid });
    }
  }

  const results = new Map<string, Result[]>();
  // Per pipeline depth, the most CPU the hypervisor took during any run of each round, in %.
  const roundSteal = new Map<number, number[]>();
  for (const pipeline of PIPELINES) {
    for (const t of targets) redisBenchmark(t.port, pipeline); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      let worstSteal = 0;
      // Every other round in reverse, so that no server always runs right after the same one.
      for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
        const { result, stealPct } = withSteal(() => redisBenchmark(t.port, pipeline));
        worstSteal = Math.max(worstSteal, stealPct);
        for (const [test, r] of Object.entries(result)) {
          const key = `${pipeline}|${t.mode}|${t.name}|${test}`;
          results.set(key, [...(results.get(key) ?? []), r]);
        }
      }
      roundSteal.set(pipeline, [...(roundSteal.get(pipeline) ?? []), worstSteal]);
    }
  }
  const garbage = await garbagePerRequest(one);
  const peaks = targets.flatMap((t) => (t.pid ? [[`${t.mode}, ${t.name}`, fmt(peakRssMiB(t.pid), 1)]] : []));
  for (const t of targets) await t.stop();
  for (const s of shards) await s.stop();

  const rows: (string | number)[][] = [];
  const verdicts: string[] = [];
  for (const pipeline of PIPELINES) {
    const calm = calmRounds(roundSteal.get(pipeline) ?? []);
    verdicts.push(`\n-P ${pipeline}: ${calm.summary}`);
    for (const test of ['SET', 'GET']) {
      for (const mode of ['direct', '1 server', '2 shards']) {
        for (const name of ['redis-server', 'nutcracker', 'ambassador', 'ambassador before']) {
          const runs = results.get(`${pipeline}|${mode}|${name}|${test}`);
          if (!runs) continue;
          const rps = median(runs.map((r) => r.rps));
          const p99 = median(runs.map((r) => r.p99));
          const nutcracker = results.get(`${pipeline}|${mode}|nutcracker|${test}`);
          const anchor = name.startsWith('ambassador') ? nutcracker : undefined;
          // Each round ran the ambassador right after nutcracker: ratios are taken within each
          // round, and the per-round ones show how much of the spread is the machine.
          const rpsRatios = anchor
            ? roundRatios(
                runs.map((r) => r.rps),
                anchor.map((r) => r.rps),
              )
            : [];
          const p99Ratios = anchor
            ? roundRatios(
                runs.map((r) => r.p99),
                anchor.map((r) => r.p99),
              )
            : [];
          rows.push([
            `-P ${pipeline}`,
            test,
            mode,
            name,
            fmt(rps),
            fmt(p99, 3),
            anchor ? fmt(median(rpsRatios), 2) : '',
            anchor ? fmt(median(p99Ratios), 2) : '',
            rpsRatios.map((r) => fmt(r, 2)).join(' / '),
          ]);
          const before = results.get(`${pipeline}|${mode}|ambassador before|${test}`);
          if (name === 'ambassador' && before) {
            const overBefore = roundRatios(
              runs.map((r) => r.rps),
              before.map((r) => r.rps),
            );
            verdicts.push(
              `after/before: -P ${pipeline} ${test} ${mode}: ${fmt(calm.median(overBefore), 3, 'x')} over calm rounds (per round ${overBefore.map((r) => fmt(r, 3)).join(' / ')})`,
            );
          }
          if (name === 'ambassador') {
            const goal = pipeline === 16 ? 1.0 : 0.9;
            const calmRatio = calm.median(rpsRatios);
            const calmP99Ratio = calm.median(p99Ratios);
            verdicts.push(
              `goal: -P ${pipeline} ${test} ${mode}: ${fmt(calmRatio, 2, 'x')} nutcracker (goal ${goal}x) ${calm.verdict(calmRatio >= goal)}; p99 ${fmt(calmP99Ratio, 2, 'x')} (goal <= 1.5x) ${calm.verdict(calmP99Ratio <= 1.5)}`,
            );
          }
        }
      }
    }
  }
  printTable(
    [
      'pipeline',
      'test',
      'mode',
      'server',
      'req/s',
      'p99 ms',
      'x nutcracker',
      'p99 x nutcracker',
      'x nutcracker per round',
    ],
    rows,
  );
  for (const v of verdicts) console.log(v);
  console.log(
    `\ngarbage per request at -P 1 (SET+GET, one server, from --trace-gc): ambassador ${fmt(garbage.ambassador)} bytes, a bare Node socket answering each read ${fmt(garbage.floor)} bytes`,
  );
  if (garbage.before !== undefined) {
    console.log(
      `garbage per request, ambassador before: ${fmt(garbage.before)} bytes (after/before ${fmt(garbage.ambassador / garbage.before, 3, 'x')})`,
    );
  }
  console.log(
    `\nambassador peak RSS over every round (VmHWM), against the pod's limit of ${asShipped.memoryLimitMiB} MiB:`,
  );
  printTable(
    ['mode', 'peak MiB', 'x limit'],
    peaks.map(([mode, mib]) => [mode as string, mib as string, fmt(Number(mib) / asShipped.memoryLimitMiB, 2)]),
  );
}

/**
 * Bytes the young-generation GC reclaims per request, from --trace-gc: unlike req/s it does not
 * move with the machine, and at -P 1 it sets how often a scavenge stalls every client in flight.
 * The floor is a Node server that answers each read with one write and nothing else.
 */
async function garbagePerRequest(servers: string): Promise<{ ambassador: number; before?: number; floor: number }> {
  const measure = async (script: string, nodeArgs: string[], env: Record<string, string>, tests: string) => {
    const run = spawnNode(script, [], { env, nodeArgs: [...nodeArgs, '--trace-gc'] });
    const port = String((await run.waitForLog('listening')).port);
    // Asynchronous, so that this process keeps reading the server's trace while the load runs.
    const load = (n: number) =>
      execFileAsync('redis-benchmark', ['-p', port, '-t', tests, '-n', String(n), '-c', '50', '-r', '100000']);
    await load(50_000); // warm-up
    const before = run.stdout().length;
    await load(REQUESTS);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the last trace lines
    const freedMb = [
      ...run
        .stdout()
        .slice(before)
        .matchAll(/Scavenge ([\d.]+) \([\d.]+\) -> ([\d.]+)/g),
    ].reduce((sum, m) => sum + Number(m[1]) - Number(m[2]), 0);
    run.kill();
    return (freedMb * 1024 * 1024) / (REQUESTS * tests.split(',').length);
  };
  const env = {
    REDIS_SERVERS: servers,
    AMBASSADOR_LISTEN: '127.0.0.1:0',
    OPS_LISTEN: '127.0.0.1:0',
    LOG_LEVEL: 'info',
  };
  return {
    ambassador: await measure(entry, nodeFlags, env, 'set,get'),
    before: baseline ? await measure(baseline, nodeFlags, env, 'set,get') : undefined,
    floor: await measure(pongServer, ['--import', 'tsx'], {}, 'ping_inline'),
  };
}
