// This project's own rules for every pod (k8s/README.md, "Conventions"), beyond Pod Security:
// each one a line in the README, each with a failing fixture in the tests.
import { allContainers, isSidecar, type PodOf } from './pod-specs.js';
import { appOfImage } from './repo.js';
import { parseMemory } from './resources.js';

export const RECOMMENDED_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/version',
];

/** [registry[:port]/]path[:tag][@digest], as the distribution spec's grammar has it (path lowercase). */
const IMAGE_REFERENCE =
  /^([a-zA-Z0-9.-]+(:\d+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

export function conventionViolations(pod: PodOf): string[] {
  const { spec } = pod;
  const found: string[] = [];
  const say = (message: string) => found.push(message);

  if (spec.automountServiceAccountToken !== false) say('automountServiceAccountToken is not false');
  for (const label of RECOMMENDED_LABELS) if (!pod.labels[label]) say(`pod label ${label} is missing`);

  for (const init of spec.initContainers ?? []) {
    if (init.restartPolicy !== undefined && init.restartPolicy !== 'Always')
      say(`init container ${init.name}: restartPolicy ${init.restartPolicy} (only Always is allowed)`);
    if (!isSidecar(init) && (init.startupProbe || init.readinessProbe || init.livenessProbe))
      say(`init container ${init.name}: probes are only allowed on sidecars (restartPolicy: Always)`);
    if (isSidecar(init) && !init.startupProbe && !init.readinessProbe)
      say(`sidecar ${init.name}: no startup probe, so the next container does not wait for it`);
  }
  for (const c of spec.containers) {
    if (c.restartPolicy !== undefined) say(`container ${c.name}: restartPolicy is only for init containers`);
  }

  const longRunning = [...(spec.initContainers ?? []).filter(isSidecar), ...spec.containers];
  for (const c of longRunning) {
    if (!c.livenessProbe) say(`container ${c.name}: no livenessProbe`);
    if (!c.readinessProbe && !c.startupProbe) say(`container ${c.name}: no readiness or startup probe`);
  }

  for (const c of allContainers(spec)) {
    for (const kind of ['requests', 'limits'] as const) {
      for (const resource of ['cpu', 'memory']) {
        if (!c.resources?.[kind]?.[resource]) say(`container ${c.name}: no ${resource} ${kind}`);
      }
    }
    if (c.securityContext?.readOnlyRootFilesystem !== true)
      say(`container ${c.name}: root filesystem is not read-only`);
    // A repository path is lowercase: docker, kind and the kubelet refuse ghcr.io/OWNER/app.
    if (!IMAGE_REFERENCE.test(c.image)) say(`container ${c.name}: image ${c.image} is not a valid reference`);
    if (!/:[\w][\w.-]*$|@sha256:/.test(c.image) || c.image.endsWith(':latest'))
      say(`container ${c.name}: image ${c.image} is not pinned by tag`);
    for (const port of c.ports ?? [])
      if (!port.name) say(`container ${c.name}: port ${port.containerPort} has no name`);
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
      if (typeof port === 'number') say(`container ${c.name}: a probe names port ${port} by number, not by name`);
      else if (port !== undefined && !(c.ports ?? []).some((p) => p.name === port))
        say(`container ${c.name}: a probe names port ${port}, which it does not declare`);
    }
    // One of our images running its own entrypoint, node (a `command` runs something else in it).
    if (appOfImage(c.image) && !c.command) {
      const limit = c.resources?.limits?.memory;
      const options = c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
      const problem = nodeHeapProblem(options, limit ? parseMemory(limit) : undefined);
      if (problem) say(`container ${c.name}: ${problem}`);
    }
  }
  return found;
}

/**
 * V8 does not size its heap from the cgroup's memory limit: under 128Mi or 256Mi alike it lets the
 * old generation grow to 256 MiB (measured on Node 24), so a busy app is OOM-killed before it
 * ever collects. Each of our containers caps the old generation at half its limit; the other half
 * is for the young generation, code and buffers (bench/ measures the peak RSS under load).
 */
export function nodeHeapProblem(nodeOptions: string | undefined, memoryLimitBytes: number | undefined) {
  const match = /(?:^|\s)--max-old-space-size=(\d+)(?:\s|$)/.exec(nodeOptions ?? '');
  if (!match) return 'NODE_OPTIONS does not set --max-old-space-size, so V8 ignores the memory limit';
  if (memoryLimitBytes === undefined) return undefined; // reported on its own as a missing limit
  const halfMiB = memoryLimitBytes / 2 ** 21;
  if (Number(match[1]) > halfMiB)
    return `--max-old-space-size=${match[1]} is more than half the memory limit (${memoryLimitBytes / 2 ** 20} MiB)`;
  return undefined;
}
