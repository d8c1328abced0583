// The pod specs inside rendered objects: a Pod's own, or a workload's template.
import type { K8sObject } from './render.js';

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown> & {
    capabilities?: { add?: string[]; drop?: string[] };
    seccompProfile?: { type?: string };
  };
  restartPolicy?: string;
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}

export interface Probe {
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
  [k: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
  securityContext?: Record<string, unknown> & { seccompProfile?: { type?: string }; sysctls?: { name: string }[] };
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  [k: string]: unknown;
}

export interface PodOf {
  /** `Deployment/demo`, for messages. */
  owner: string;
  object: K8sObject;
  spec: PodSpec;
  labels: Record<string, string>;
}

const TEMPLATED = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

export function podsOf(objects: K8sObject[]): PodOf[] {
  return objects.flatMap((object) => {
    const owner = `${object.kind}/${object.metadata.name}`;
    if (object.kind === 'Pod') {
      const labels = (object.metadata.labels ?? {}) as Record<string, string>;
      return [{ owner, object, spec: object.spec as PodSpec, labels }];
    }
    if (TEMPLATED.has(object.kind)) {
      const template = (object.spec as { template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } })
        .template;
      return [{ owner, object, spec: template.spec, labels: template.metadata?.labels ?? {} }];
    }
    return [];
  });
}

/** Every container of a pod, init containers first, as the kubelet starts them. */
export function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])];
}

export const isSidecar = (c: Container) => c.restartPolicy === 'Always';

/** The containers of our own apps in a pod, as the contract checks see them. */
export function appContainers(pod: PodOf, appOf: (image: string) => string | undefined) {
  return allContainers(pod.spec).flatMap((c) => {
    const app = appOf(c.image);
    if (!app || c.command) return []; // an image of ours run as something else (the git server)
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? 'set-by-kubernetes']));
    const mounts = (c.volumeMounts ?? []).map((m) => ({
      path: m.mountPath,
      volume: m.name,
      readOnly: m.readOnly === true,
    }));
    return [{ name: c.name, app, env, mounts, ports: (c.ports ?? []).map((p) => p.containerPort) }];
  });
}
