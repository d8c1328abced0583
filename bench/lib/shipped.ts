// How each app runs where it ships: the node flags of its image's ENTRYPOINT (its Dockerfile),
// and the NODE_OPTIONS and memory limit of its container in the demo pod (the committed
// k8s/kubernetes-manifests.yaml). Benchmarks start the apps this way, so they measure what ships,
// and report the peak RSS against the limit the pod gives it.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

export interface Shipped {
  /** Flags on node's command line, before the script. */
  nodeArgs: string[];
  /** NODE_OPTIONS, as the manifest sets it ({} when it sets none). */
  env: Record<string, string>;
  memoryLimitMiB: number;
}

const repoFile = (relative: string) => readFileSync(new URL(`../../${relative}`, import.meta.url), 'utf8');

export function imageNodeFlags(app: string): string[] {
  const line = repoFile(`apps/${app}/Dockerfile`)
    .split('\n')
    .findLast((l) => l.startsWith('ENTRYPOINT '));
  if (!line) throw new Error(`apps/${app}/Dockerfile has no ENTRYPOINT`);
  const argv = JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
  // ["node", ...flags, "apps/<app>/dist/main.js"], or the same after tini's ["tini", "--"].
  return argv.slice(argv.indexOf('node') + 1, -1);
}

interface ManifestContainer {
  name: string;
  env?: { name: string; value?: string }[];
  resources?: { limits?: { memory?: string } };
}

/** The container named `container` (by default the app's name) of the demo Deployment. */
function demoContainer(container: string): ManifestContainer {
  const demo = parseAllDocuments(repoFile('k8s/kubernetes-manifests.yaml'))
    .map((d) => d.toJS())
    .find((o) => o?.kind === 'Deployment' && o.metadata?.name === 'demo');
  const spec = demo?.spec?.template?.spec;
  const found = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].find(
    (c: ManifestContainer) => c.name === container,
  );
  if (!found) throw new Error(`k8s/kubernetes-manifests.yaml: the demo pod has no container ${container}`);
  return found;
}

const MIB: Record<string, number> = { Mi: 1, Gi: 1024 };

/** BENCH_IMAGE_FLAGS=0 runs node with its defaults instead (the limit is still reported). */
export function shipped(app: string): Shipped {
  const container = demoContainer(app);
  const limit = /^(\d+)(Mi|Gi)$/.exec(container.resources?.limits?.memory ?? '');
  if (!limit) throw new Error(`${app}: no memory limit in Mi or Gi in the demo manifest`);
  const memoryLimitMiB = Number(limit[1]) * (MIB[limit[2] as string] as number);
  if (process.env.BENCH_IMAGE_FLAGS === '0') return { nodeArgs: [], env: {}, memoryLimitMiB };
  const nodeOptions = container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
  return { nodeArgs: imageNodeFlags(app), env: nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}, memoryLimitMiB };
}

export const describeShipped = (s: Shipped) =>
  [...s.nodeArgs, s.env.NODE_OPTIONS ? `NODE_OPTIONS="${s.env.NODE_OPTIONS}"` : ''].join(' ').trim() ||
  '(node defaults)';

/** The process's peak resident set so far (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  const kib = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) / 1024;
}
