// `npm run demo`, timed from the command to "pod ready": warm (everything built, turbo's cache
// hit) and cold (TURBO_FORCE: every package rebuilt), each split into its parts from the demo's
// own output and podrun's event log:
//   - build and outside systems: until the demo says where git-server and the config API are;
//   - podrun's own time (the kubelet-free part): its start, rendering k8s/, and the gaps between
//     one container being done and the next being started;
//   - the containers: each one's start until its startup probe passes (or it exits 0), which is
//     the app's own start plus up to one probe period.
// Anchor: the floor of the same sequence without any pod logic, five Node processes started one
// after another, each until it listens. Goal (issue #14): under 3 s warm on this machine.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@pod-patterns/testing';
import { fmt, median, printTable } from './lib/stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONTAINERS = ['config-init', 'redis-ambassador', 'http-ambassador', 'git-sync', 'metrics-adapter', 'web'];
const PATTERNS = ['init', 'sidecar', 'adapter', 'ambassador'];

interface Event {
  time: string;
  type: string;
  container?: string;
}

interface Timing {
  totalMs: number;
  setupMs: number;
  podrunMs: number;
  containerMs: Record<string, number>;
}

/** One `npm run demo` (or `-- --pattern <p>`) to "pod ready", split into its parts. */
async function timeDemo(cold: boolean, pattern?: string): Promise<Timing> {
  const events = join(tempDir('bench-demo-'), 'events.jsonl');
  const started = performance.now();
  const args = [...(pattern ? ['--pattern', pattern] : []), '--events', events];
  const demo = spawn(process.execPath, [join(root, 'scripts/demo.mjs'), ...args], {
    cwd: root,
    detached: true, // its own process group, to stop it as a terminal's Ctrl-C would
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...(cold ? { TURBO_FORCE: 'true' } : {}) },
  });
  let setupDoneMs: number | undefined;
  let out = '';
  await new Promise<void>((resolve, reject) => {
    demo.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
      const now = performance.now() - started;
      if (setupDoneMs === undefined && /config-api: http|pattern alone/.test(out)) setupDoneMs = now;
      if (/pod ready: open/.test(out)) resolve();
    });
    demo.once('exit', (code) =>
      reject(new Error(`the demo exited (${code}) before it was ready:\n${out.slice(-2000)}`)),
    );
  });
  const totalMs = performance.now() - started;
  const exited = new Promise((resolve) => demo.once('exit', resolve));
  process.kill(-(demo.pid as number), 'SIGINT');
  await exited;

  const log = readFileSync(events, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Event);
  const at = (type: string, container?: string) =>
    Date.parse(log.find((e) => e.type === type && (container === undefined || e.container === container))?.time ?? '');
  const containerMs: Record<string, number> = {};
  for (const name of pattern ? [] : CONTAINERS) {
    const done = name === 'config-init' ? at('exit', name) : name === 'web' ? at('ready', name) : at('started', name);
    containerMs[name] = done - at('start', name);
  }
  const setupMs = setupDoneMs ?? Number.NaN;
  // podrun's own: after the demo hands over, whatever is not a container starting (podrun's
  // start, rendering k8s/ and writing the volumes, the gaps from one container to the next).
  const containersTotal = Object.values(containerMs).reduce((a, b) => a + b, 0);
  return { totalMs, setupMs, podrunMs: totalMs - setupMs - containersTotal, containerMs };
}

/** The floor: five Node processes, one after another, each until its HTTP server listens. */
async function sequentialNodeStarts(n = 5): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const child = spawn(process.execPath, [
      '-e',
      "require('node:http').createServer().listen(0, '127.0.0.1', () => console.log('up'))",
    ]);
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill();
  }
  return performance.now() - started;
}

export async function benchDemo(): Promise<void> {
  console.log(`\n## npm run demo: from the command to "pod ready", ${ROUNDS} rounds each, warm and cold\n`);
  const rows: (string | number)[][] = [];
  const warmTotals: number[] = [];
  const anchors: number[] = [];
  await timeDemo(false); // builds whatever is stale, so that "warm" is warm
  for (const cold of [false, true]) {
    const runs: Timing[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (!cold) anchors.push(await sequentialNodeStarts());
      runs.push(await timeDemo(cold));
    }
    if (!cold) warmTotals.push(...runs.map((r) => r.totalMs));
    const med = (pick: (t: Timing) => number) => fmt(median(runs.map(pick)) / 1000, 2);
    rows.push([
      cold ? 'cold (TURBO_FORCE)' : 'warm',
      med((t) => t.totalMs),
      med((t) => t.setupMs),
      med((t) => t.podrunMs),
      ...CONTAINERS.map((c) => med((t) => t.containerMs[c] ?? Number.NaN)),
    ]);
  }
  printTable(['run', 'total s', 'build + outside s', 'podrun s', ...CONTAINERS.map((c) => `${c} s`)], rows);
  const warm = median(warmTotals);
  const anchor = median(anchors);
  console.log(
    `\nanchor: five Node processes started one after another, each until it listens: ${fmt(anchor / 1000, 2)} s (median of ${anchors.length}, taken between the warm rounds)`,
  );
  console.log(`warm / anchor: ${fmt(warm / anchor, 2)}x`);
  console.log(`goal: warm under 3 s: ${fmt(warm / 1000, 2)} s ${warm < 3000 ? 'met' : 'NOT met'}`);
  console.log(
    `\n## npm run demo -- --pattern <p>: each pattern Pod alone, from the command to "pod ready", warm, ${ROUNDS} rounds\n`,
  );
  const patternRows: (string | number)[][] = [];
  for (const pattern of PATTERNS) {
    const runs: Timing[] = [];
    for (let round = 0; round < ROUNDS; round++) runs.push(await timeDemo(false, pattern));
    patternRows.push([
      pattern,
      fmt(median(runs.map((r) => r.totalMs)) / 1000, 2),
      fmt(median(runs.map((r) => r.setupMs)) / 1000, 2),
    ]);
  }
  printTable(['pattern Pod', 'total s', 'build + outside s'], patternRows);
  console.log(
    "a container's time is its start until its startup probe passes (web: until ready), so it includes up to one probe period of waiting (1 s for the sidecars, 2 s for web's readiness in k8s/demo.yaml)",
  );
}
