#!/usr/bin/env node
// npm run soak [-- --seconds N]: the demo pod of k8s/ under podrun, under steady traffic, while
// things break the way they do in production (schedule.ts), then SIGTERM with traffic still
// flowing. It prints every request by outcome and by the fault in force, the checks, and last
// `N requests, N failed page requests, N faults`; it exits 1 when a page request failed or a
// check did not hold. A benchmark-style tool: nothing here is timed against a goal.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Outside, repoRoot, startOutside } from '../outside.js';
import { type PodEvent, readEvents } from '../pod-events.js';
import { report } from './report.js';
import { type Fault, faultAt, schedule } from './schedule.js';
import { Traffic } from './traffic.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '600' } } });
const total = Number(values.seconds);
if (!Number.isFinite(total) || total < 30) {
  console.error(`soak: --seconds ${values.seconds}: expected a number of seconds, at least 30`);
  process.exit(2);
}
const SYNC_PERIOD_MS = 10_000; // GITSYNC_PERIOD in k8s/demo.yaml
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (text: string) => process.stdout.write(`soak    | ${text}\n`);
const hasKubectl = (process.env.PATH ?? '').split(':').some((dir) => existsSync(join(dir, 'kubectl')));
const source = hasKubectl ? join(repoRoot, 'k8s') : join(repoRoot, 'k8s', 'kubernetes-manifests.yaml');
const ours = (name: string) => /^(pod-patterns-demo-|podrun-demo-|pod-patterns-soak-)/.test(name);
const tempBefore = new Set(readdirSync(tmpdir()).filter(ours));

const outside: Outside = await startOutside({ persistent: true });
const work = mkdtempSync(join(tmpdir(), 'pod-patterns-soak-'));
const eventsFile = join(work, 'events.jsonl');
const git = (...args: string[]) => execFileSync('git', args, { cwd: join(work, 'site'), encoding: 'utf8' }).trim();
execFileSync('git', ['clone', '--quiet', outside.gitRepo, join(work, 'site')]);
const commitOf = new Map([[git('rev-parse', 'HEAD'), 0]]);

const events = () => readEvents(eventsFile);
async function waitForEvent(match: (e: PodEvent) => boolean, timeoutMs: number): Promise<PodEvent> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = events().find(match);
    if (found) return found;
    if (Date.now() > end || podrun.exitCode !== null) throw new Error('the demo pod did not get ready');
    await sleep(200);
  }
}

// The kubelet's restart backoff at a tenth (1 s, doubling): a sidecar killed once is back in
// about a second, as it would be on its first crash in a cluster within 10 s.
const podrun: ChildProcess = spawn(
  process.execPath,
  [
    join(repoRoot, 'packages', 'podrun', 'dist', 'main.js'),
    source,
    '--pod',
    'demo',
    ...outside.hosts.flatMap((h) => ['--host', h]),
    '--events',
    eventsFile,
    '--backoff-scale',
    '0.1',
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const podExited = new Promise<number | null>((resolve) => podrun.once('exit', (code) => resolve(code)));
say(`starting the demo pod (${hasKubectl ? 'k8s/ through kubectl kustomize' : 'k8s/kubernetes-manifests.yaml'})`);
await waitForEvent((e) => e.type === 'pod-ready', 120_000);
const address = String((await waitForEvent((e) => e.type === 'pod-starting', 1000)).address);
const web = `http://${address}:8080`;
const scrapes = {
  'web /stats': `http://${address}:9000/stats`,
  'metrics-adapter': `http://${address}:9102/metrics`,
  'git-sync': `http://${address}:8090/metrics`,
  'redis-ambassador': `http://${address}:9121/metrics`,
  'http-ambassador': `http://${address}:9181/metrics`,
};
const stats = async () =>
  (await (await fetch(scrapes['web /stats'], { signal: AbortSignal.timeout(2000) })).json()) as {
    visits: number;
    redis_errors: number;
  };

const faults = schedule(total);
const began = Date.now();
const now = () => (Date.now() - began) / 1000;
const faultLog: string[] = [];
const log = (text: string) => {
  faultLog.push(`${now().toFixed(1).padStart(6)} s  ${text}`);
  say(text);
};
const traffic = new Traffic(began, commitOf);
const statsAtStart = await stats();
traffic.start(web, scrapes);
say(`${total} s of traffic, ${faults.length} faults, a commit every ${(SYNC_PERIOD_MS + 2000) / 1000} s, then SIGTERM`);

// Web's count of views it could not count, sampled every second by the fault in force, and what
// /_pod says of the announcements. Two loops, so that a slow /_pod/status never delays a sample
// of /stats into the next window.
const lostVisits = new Map<string, number>();
let lastErrors = statsAtStart.redis_errors;
const statusSamples: { t: number; ok: boolean }[] = [];
let sampling = true;
const every = async (ms: number, sample: () => Promise<void>) => {
  while (sampling) {
    await sleep(ms);
    await sample().catch(() => {}); // web is going away (SIGTERM): the last sample stands
  }
};
const samplers = Promise.all([
  every(1000, async () => {
    const s = await stats();
    const window = faultAt(faults, now());
    lostVisits.set(window, (lostVisits.get(window) ?? 0) + s.redis_errors - lastErrors);
    lastErrors = s.redis_errors;
  }),
  every(1000, async () => {
    const res = await fetch(`${web}/_pod/status`, { signal: AbortSignal.timeout(5000) });
    const status = (await res.json()) as { announcements: { ok: boolean } };
    statusSamples.push({ t: now(), ok: status.announcements.ok });
  }),
]);

// One commit per sync period, each marked in the page's body, until the quiet last tenth.
let pushing = true;
const pusher = (async () => {
  for (let n = 1; pushing && now() < total * 0.9; n++) {
    const index = join(work, 'site', 'index.html');
    writeFileSync(
      index,
      `${readFileSync(index, 'utf8').replace(/<!-- soak commit \d+ -->\n?/, '')}<!-- soak commit ${n} -->\n`,
    );
    git('-c', 'user.name=soak', '-c', 'user.email=soak@example.invalid', 'commit', '--quiet', '-am', `soak ${n}`);
    commitOf.set(git('rev-parse', 'HEAD'), n);
    git('push', '--quiet', 'origin', 'HEAD:main');
    await sleep(SYNC_PERIOD_MS + 2000);
  }
})();

async function inject(fault: Fault): Promise<void> {
  const { kind } = fault;
  log(`${fault.name}, for ${fault.seconds} s`);
  if (kind.type === 'kill-shard') {
    await outside.redis[kind.shard]?.kill();
    await sleep(fault.seconds * 1000);
    await outside.redis[kind.shard]?.start();
  } else if (kind.type === 'pause-shard') {
    outside.redis[kind.shard]?.pause();
    await sleep(fault.seconds * 1000);
    outside.redis[kind.shard]?.resume();
  } else if (kind.type === 'config-api-down') {
    await outside.configApi.stop();
    await sleep(fault.seconds * 1000);
    await outside.configApi.start();
  } else if (kind.type === 'upstream') {
    outside.configApi.fault = kind.mode;
    await sleep(fault.seconds * 1000);
    outside.configApi.fault = 'none';
  } else {
    const started = events().findLast((e) => e.type === 'start' && e.container === kind.container);
    if (started?.pid) process.kill(Number(started.pid), 'SIGKILL');
    await sleep(fault.seconds * 1000);
  }
  log(`${fault.name}: over`);
}

for (const fault of faults) {
  await sleep(Math.max(0, fault.at * 1000 - (Date.now() - began)));
  await inject(fault);
}
await sleep(Math.max(0, total * 1000 - (Date.now() - began)));
pushing = false;
await pusher;
const statsAtEnd = await stats();
const sigtermAt = now();
const backAtEnd = statusSamples.at(-1)?.ok === true;
log('SIGTERM to the pod, with traffic still flowing');
podrun.kill('SIGTERM');
const code = await Promise.race([podExited, sleep(60_000).then(() => 'timeout' as const)]);
sampling = false;
await samplers;
await traffic.stop();
log(`the pod stopped (podrun exit ${code})`);
if (code === 'timeout') podrun.kill('SIGKILL');

const pids = events()
  .filter((e) => e.type === 'start' && typeof e.pid === 'number')
  .map((e) => ({ container: e.container, pid: e.pid as number }));
await outside.stop();
rmSync(work, { recursive: true, force: true });

// Nothing left: no container process, no port of the pod, no temp folder of ours.
const leftovers: string[] = [];
for (const { container, pid } of pids)
  try {
    process.kill(pid, 0);
    leftovers.push(`${container} (pid ${pid}) still runs`);
  } catch {}
for (const port of [8080, 9000, 9102, 8090, 9121, 9181, 6379, 8081]) {
  const open = await new Promise<boolean>((resolve) => {
    const socket = connect(port, address);
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
    setTimeout(() => resolve(false), 1000);
  });
  if (open) leftovers.push(`${address}:${port} still accepts connections`);
}
for (const name of readdirSync(tmpdir()).filter(ours)) if (!tempBefore.has(name)) leftovers.push(`${tmpdir()}/${name}`);

// HTML views served before the last stats snapshot (web counts pages, not style sheets), with
// half a second for web's 100 ms flush.
const pagesSent = traffic.outcomes.filter((o) => o.target === '/' && o.ok && o.t < sigtermAt - 0.5).length;
const result = report({
  outcomes: traffic.outcomes,
  faults,
  sigtermAt,
  commitsPushed: commitOf.size - 1,
  commitsServed: [...commitOf].filter(([sha, n]) => n > 0 && traffic.seen.has(sha)).length,
  mismatches: traffic.mismatches,
  lostVisits,
  visits: {
    sent: pagesSent,
    counted: statsAtEnd.visits - statsAtStart.visits,
    failed: statsAtEnd.redis_errors - statsAtStart.redis_errors,
  },
  announcements: { degraded: statusSamples.some((s) => !s.ok), backAtEnd },
  leftovers,
  faultLog,
});
process.stdout.write(`${result.text}\n`);
process.exitCode = result.failedPages > 0 || result.problems.length > 0 ? 1 : 0;
