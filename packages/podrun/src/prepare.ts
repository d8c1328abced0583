// From a pod spec to local commands: each container's argv, env and working folder, its volumes
// mapped to folders, its paths and addresses rewritten (rewrite.ts), and its named ports. All of
// it is worked out before anything starts, so a manifest podrun cannot run fails at once, with
// the container and the reason.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalCommand } from './container.js';
import { containerEnv, EnvError, expand } from './env.js';
import { argvOf, resolveImage } from './images.js';
import type { SelectedPod } from './manifests.js';
import { type HostMapping, type PathMapping, Rewriter } from './rewrite.js';
import type { Container, K8sObject } from './types.js';
import { materializeVolumes } from './volumes.js';

export type Kind = 'init' | 'sidecar' | 'app';

export interface PreparedContainer {
  name: string;
  kind: Kind;
  spec: Container;
  /** Undefined when the container cannot start; `configError` says why. */
  command?: LocalCommand;
  /** Why the kubelet would not start it (CreateContainerConfigError): a missing key, say. */
  configError?: string;
  ports: Map<string, number>;
  /** Where the container's termination message is written (its terminationMessagePath, here). */
  terminationLog: string;
  rewriter: Rewriter;
}

export interface PreparedPod {
  name: string;
  address: string;
  dir: string;
  containers: PreparedContainer[];
  /** Every port the pod will listen on, to check before starting. */
  ports: number[];
}

export interface PrepareOptions {
  address: string;
  repoRoot: string;
  images: Map<string, string[]>;
  hosts: HostMapping[];
}

export function preparePod(pod: SelectedPod, objects: K8sObject[], options: PrepareOptions): PreparedPod {
  const dir = mkdtempSync(join(tmpdir(), `podrun-${pod.name}-`));
  try {
    return prepareIn(dir, pod, objects, options);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true }); // a pod that cannot start leaves nothing behind
    throw error;
  }
}

function prepareIn(dir: string, pod: SelectedPod, objects: K8sObject[], options: PrepareOptions): PreparedPod {
  const services = new Rewriter([], options.address, options.hosts);
  const volumes = materializeVolumes(pod.spec.volumes ?? [], join(dir, 'volumes'), objects, pod.namespace, (text) =>
    services.services(text),
  );
  mkdirSync(join(dir, 'termination'));
  const fields = {
    'metadata.name': pod.name,
    'metadata.namespace': pod.namespace,
    'spec.nodeName': pod.spec.nodeName ?? 'podrun',
    'status.podIP': options.address,
    'status.hostIP': '127.0.0.1',
    labels: pod.labels,
  };
  const kindOf = (c: Container, init: boolean): Kind =>
    !init ? 'app' : c.restartPolicy === 'Always' ? 'sidecar' : 'init';
  const all = [
    ...(pod.spec.initContainers ?? []).map((c) => [c, kindOf(c, true)] as const),
    ...pod.spec.containers.map((c) => [c, kindOf(c, false)] as const),
  ];
  const containers = all.map(([spec, kind]): PreparedContainer => {
    const image = resolveImage(spec.image, options.repoRoot, options.images);
    const terminationLog = join(dir, 'termination', spec.name);
    writeFileSync(terminationLog, '');
    const mounts: PathMapping[] = [
      ...image.filesystem.map((f) => ({ containerPath: f.imagePath, localPath: f.localPath })),
      { containerPath: spec.terminationMessagePath ?? '/dev/termination-log', localPath: terminationLog },
      ...(spec.volumeMounts ?? []).map((m) => {
        const volume = volumes.get(m.name);
        if (!volume) throw new EnvError(`container ${spec.name}: volumeMount ${m.name} names no volume of the pod`);
        return { containerPath: m.mountPath, localPath: m.subPath ? join(volume, m.subPath) : volume };
      }),
    ];
    const rewriter = new Rewriter(mounts, options.address, options.hosts);
    const ports = new Map((spec.ports ?? []).flatMap((p) => (p.name ? [[p.name, p.containerPort] as const] : [])));
    const prepared = { name: spec.name, kind, spec, ports, terminationLog, rewriter };
    let env: Record<string, string>;
    try {
      env = containerEnv(spec, image.env, objects, fields);
    } catch (error) {
      if (!(error instanceof EnvError)) throw error;
      return { ...prepared, configError: error.message };
    }
    // $(VAR) in command and args expands from the container's env, as in Kubernetes.
    const argv = argvOf(
      image,
      spec.command?.map((a) => expand(a, env)),
      spec.args?.map((a) => expand(a, env)),
    );
    const localEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, rewriter.value(v)]));
    const workdir = spec.workingDir ?? image.workdir;
    return {
      ...prepared,
      command: {
        argv: argv.map((a) => rewriter.value(a)),
        // PATH from this machine: the tools (node, git, sh) are this machine's, not the image's.
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? dir,
          HOSTNAME: pod.name,
          ...localEnv,
        },
        cwd: rewriter.path(workdir) ?? options.repoRoot,
      },
    };
  });
  // Declared ports, and the addresses apps are told to listen on (not every listener is declared:
  // the ambassador's 6379 and web's stats port are for the pod alone).
  const listening = containers.flatMap((c) => [
    ...(c.spec.ports ?? []).map((p) => p.containerPort),
    ...Object.entries(c.command?.env ?? {}).flatMap(([name, value]) => {
      const port = /(_LISTEN|_BIND)$/.test(name) ? /:(\d+)$/.exec(value)?.[1] : undefined;
      return port && port !== '0' ? [Number(port)] : [];
    }),
  ]);
  return { name: pod.name, address: options.address, dir, containers, ports: listening };
}
