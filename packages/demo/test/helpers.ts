// The demo pod, as `npm run demo` runs it: the outside systems of src/outside.ts, then podrun on
// the real manifests of k8s/ (through kubectl kustomize when kubectl is here, else the committed
// rendering), with an event log and a shorter restart backoff.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Running, spawnNode, tempDir, waitFor } from '@pod-patterns/testing';
import { type Outside, repoRoot, startOutside } from '../src/outside.js';
import { type PodEvent, readEvents } from '../src/pod-events.js';

const podrun = fileURLToPath(new URL('../../podrun/dist/main.js', import.meta.url));
export const hasKubectl = (process.env.PATH ?? '')
  .split(':')
  .some((dir) => statSync(join(dir, 'kubectl'), { throwIfNoEntry: false })?.isFile());
export const manifests = hasKubectl ? join(repoRoot, 'k8s') : join(repoRoot, 'k8s', 'kubernetes-manifests.yaml');
export const noRedis = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server && command -v redis-cli'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'redis-server and redis-cli are not installed (apt-get install redis-server redis-tools)';
  }
})();

export type { PodEvent };

export interface DemoPod {
  run: Running;
  outside: Outside;
  events(): PodEvent[];
  waitForEvent(match: (e: PodEvent) => boolean, timeoutMs?: number): Promise<PodEvent>;
  /** The pod's address, once podrun has said it. */
  address(): Promise<string>;
  url(port: number, path: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startDemoPod(
  options: { source?: string; configApiDown?: boolean; outside?: Outside } = {},
): Promise<DemoPod> {
  const outside = options.outside ?? (await startOutside());
  if (options.configApiDown) await outside.configApi.stop();
  const eventsFile = join(tempDir('demo-events-'), 'events.jsonl');
  const run = spawnNode(podrun, [
    options.source ?? manifests,
    '--pod',
    'demo',
    ...outside.hosts.flatMap((h) => ['--host', h]),
    '--events',
    eventsFile,
    '--backoff-scale',
    '0.05',
  ]);
  const events = () => readEvents(eventsFile);
  const waitForEvent = async (match: (e: PodEvent) => boolean, timeoutMs = 60_000) => {
    await waitFor(
      () => {
        if (run.child.exitCode !== null) throw new Error(`podrun exited: ${run.stderr()}${run.stdout().slice(-3000)}`);
        return events().some(match);
      },
      timeoutMs,
      'a podrun event',
    );
    return events().find(match) as PodEvent;
  };
  const address = async () => String((await waitForEvent((e) => e.type === 'pod-starting')).address);
  return {
    run,
    outside,
    events,
    waitForEvent,
    address,
    url: async (port, path) => `http://${await address()}:${port}${path}`,
    async stop() {
      if (run.child.exitCode === null) {
        run.child.kill('SIGTERM');
        await Promise.race([run.exited, new Promise((r) => setTimeout(r, 45_000))]);
        run.kill();
      }
      if (!options.outside) await outside.stop();
    },
  };
}

/** Keys in one Redis shard, through the real redis-cli. */
export function shardKeys(port: number): string[] {
  const password = readFileSync(join(repoRoot, 'k8s', 'demo', 'redis-password'), 'utf8').trim();
  const out = execFileSync('redis-cli', ['-p', String(port), '--no-auth-warning', '-a', password, '--scan'], {
    encoding: 'utf8',
  });
  return out.split('\n').filter(Boolean).sort();
}

export function shardGet(port: number, key: string): string {
  const password = readFileSync(join(repoRoot, 'k8s', 'demo', 'redis-password'), 'utf8').trim();
  return execFileSync('redis-cli', ['-p', String(port), '--no-auth-warning', '-a', password, 'GET', key], {
    encoding: 'utf8',
  }).trim();
}
