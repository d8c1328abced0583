// The pod as its manifest declares it, for the picture on /_pod: containers in spec order (init
// containers, native sidecars, then the app), their ports and mounts, the volumes, and the lines
// of each in the file, so the page can open the manifest at them. The file is the one applied:
// kustomize makes a ConfigMap of it (k8s/), compose and podrun hand over the same file.
//
// Nothing here throws: a missing or malformed manifest is a `problem` the page shows, while the
// rest of /_pod renders as before. Secret-looking env values and Secret data are masked, in the
// model and in the text served at /_pod/manifest alike.
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments, type YAMLMap } from 'yaml';

export const MASK = '••••••';
const MAX_BYTES = 512 * 1024;
const SECRET_NAME = /pass(word)?|secret|token|credential|private|(^|_)key$/i;
const POD_KINDS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
};

export type Lines = { from: number; to: number };

export interface PortView {
  port: number;
  name?: string;
  /** `pod IP`: a containerPort, reachable from outside the pod; `loopback`: 127.0.0.1 only. */
  scope: 'pod IP' | 'loopback';
}

export interface MountView {
  volume: string;
  mountPath: string;
  readOnly: boolean;
}

export interface ContainerView {
  name: string;
  /** init: runs to completion first; sidecar: an init container with restartPolicy Always; app. */
  kind: 'init' | 'sidecar' | 'app';
  image: string;
  ports: PortView[];
  mounts: MountView[];
  lines: Lines;
}

export interface VolumeView {
  name: string;
  /** emptyDir, configMap, secret, ...: with its source's name where it has one. */
  type: string;
  lines: Lines;
}

export interface PodManifest {
  file: string;
  /** The object the pod comes from: `Deployment/demo`, `Pod/pattern-adapter`. */
  object: string | null;
  containers: ContainerView[];
  volumes: VolumeView[];
  /** The file's text, secrets masked, for /_pod/manifest; empty when it could not be read. */
  text: string;
  /** What could not be read, in words; the picture says so and draws what it has. */
  problem: string | null;
}

const empty = (file: string, problem: string, text = ''): PodManifest => ({
  file,
  object: null,
  containers: [],
  volumes: [],
  text,
  problem,
});

/** Reads and parses the manifest; `podName` picks the object when the file holds several pods. */
export function readPodManifest(file: string | undefined, podName?: string): PodManifest {
  if (!file) return empty('', 'no manifest was handed to this container (POD_MANIFEST is empty)');
  let raw: string;
  try {
    const buffer = readFileSync(file);
    if (buffer.length > MAX_BYTES) return empty(file, `${file} is larger than 512 KiB`);
    raw = buffer.toString('utf8');
  } catch (error) {
    return empty(file, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parsePodManifest(raw, file, podName);
}

export function parsePodManifest(raw: string, file: string, podName?: string): PodManifest {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(raw, { lineCounter, prettyErrors: false });
  if (!Array.isArray(docs)) return empty(file, `${file} holds no YAML document`);
  const masks: [number, number][] = [];
  const lines = (node: Node | null | undefined): Lines => {
    const [start = 0, end = 0] = node?.range ?? [];
    return { from: lineCounter.linePos(start).line, to: lineCounter.linePos(Math.max(start, end - 1)).line };
  };

  const candidates: { object: string; name: string; spec: YAMLMap }[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const error = doc.errors[0];
      const line = error?.linePos?.[0]?.line;
      return empty(file, `${file} is not valid YAML${line ? ` (line ${line})` : ''}: ${error?.message.split('\n')[0]}`);
    }
    const kind = doc.get('kind');
    const name = String(doc.getIn(['metadata', 'name']) ?? '');
    if (kind === 'Secret') maskSecretData(doc.contents, masks);
    const path = typeof kind === 'string' ? POD_KINDS[kind] : undefined;
    const spec = path ? doc.getIn(path, true) : undefined;
    if (isMap(spec)) candidates.push({ object: `${kind}/${name}`, name, spec });
  }
  for (const c of candidates) maskSecretEnv(c.spec, masks);
  const text = applyMasks(raw, masks);

  // A bare Pod is named as the pod; a Deployment's pods carry its name as a prefix.
  const chosen =
    candidates.find((c) => c.name === podName) ??
    candidates.find((c) => podName?.startsWith(`${c.name}-`)) ??
    candidates[0];
  if (!chosen) return empty(file, `${file} declares no pod (a Pod, or a workload with a pod template)`, text);

  const containers: ContainerView[] = [];
  const collect = (key: string, isInit: boolean) => {
    const list = chosen.spec.get(key, true);
    if (!isSeq(list)) return;
    for (const item of list.items) {
      if (!isMap(item)) continue;
      const sidecar = isInit && item.get('restartPolicy') === 'Always';
      containers.push({
        name: String(item.get('name') ?? '?'),
        kind: isInit ? (sidecar ? 'sidecar' : 'init') : 'app',
        image: String(item.get('image') ?? ''),
        ports: ports(item),
        mounts: mounts(item),
        lines: lines(item),
      });
    }
  };
  // The kubelet's order: init containers and native sidecars in their order, then the app.
  collect('initContainers', true);
  collect('containers', false);

  const volumes: VolumeView[] = [];
  const list = chosen.spec.get('volumes', true);
  if (isSeq(list)) {
    for (const item of list.items) {
      if (!isMap(item)) continue;
      volumes.push({ name: String(item.get('name') ?? '?'), type: volumeType(item), lines: lines(item) });
    }
  }
  const problem = containers.length === 0 ? `${chosen.object} has no containers` : null;
  return { file, object: chosen.object, containers, volumes, text, problem };
}

function ports(container: YAMLMap): PortView[] {
  const found: PortView[] = [];
  const declared = container.get('ports');
  if (isSeq(declared)) {
    for (const p of declared.items) {
      if (!isMap(p)) continue;
      const port = Number(p.get('containerPort'));
      if (Number.isInteger(port)) found.push({ port, name: p.get('name') as string | undefined, scope: 'pod IP' });
    }
  }
  // Listeners on loopback are not containerPorts: the env says where they are (127.0.0.1:6379).
  const env = container.get('env');
  if (isSeq(env)) {
    for (const e of env.items) {
      const value = isMap(e) ? e.get('value') : undefined;
      const match = typeof value === 'string' ? /^(?:127\.0\.0\.1|localhost):(\d{1,5})$/.exec(value) : null;
      if (match) found.push({ port: Number(match[1]), scope: 'loopback' });
    }
  }
  return found;
}

function mounts(container: YAMLMap): MountView[] {
  const list = container.get('volumeMounts');
  if (!isSeq(list)) return [];
  return list.items.filter(isMap).map((m) => ({
    volume: String(m.get('name') ?? '?'),
    mountPath: String(m.get('mountPath') ?? '?'),
    readOnly: m.get('readOnly') === true,
  }));
}

function volumeType(volume: YAMLMap): string {
  for (const pair of volume.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key === 'name') continue;
    const source = pair.value;
    const ref = isMap(source) ? (source.get('name') ?? source.get('secretName') ?? source.get('claimName')) : undefined;
    const medium = isMap(source) && source.get('medium') === 'Memory' ? ', in memory' : '';
    return ref ? `${key} ${ref}` : `${key}${medium}`;
  }
  return 'unknown';
}

/** Env entries with a secret-looking name and a literal value: the value is masked. */
function maskSecretEnv(spec: YAMLMap, masks: [number, number][]): void {
  for (const key of ['initContainers', 'containers']) {
    const list = spec.get(key);
    if (!isSeq(list)) continue;
    for (const container of list.items) {
      const env = isMap(container) ? container.get('env') : undefined;
      if (!isSeq(env)) continue;
      for (const e of env.items) {
        if (!isMap(e) || !SECRET_NAME.test(String(e.get('name') ?? ''))) continue;
        const value = e.get('value', true);
        if (isScalar(value) && value.range && String(value.value ?? '') !== '') {
          masks.push([value.range[0], value.range[1]]);
          value.value = MASK;
        }
      }
    }
  }
}

/** A Secret's data and stringData values. */
function maskSecretData(contents: unknown, masks: [number, number][]): void {
  if (!isMap(contents)) return;
  for (const key of ['data', 'stringData']) {
    const data = contents.get(key, true);
    if (!isMap(data)) continue;
    for (const pair of data.items) {
      const value = pair.value as Node | null;
      if (value?.range) masks.push([value.range[0], value.range[1]]);
    }
  }
}

function applyMasks(raw: string, masks: [number, number][]): string {
  let text = raw;
  for (const [start, end] of [...masks].sort((a, b) => b[0] - a[0])) {
    // A block scalar spans lines: keep the line count, so the line anchors stay right.
    const newlines = raw.slice(start, end).split('\n').length - 1;
    text = `${text.slice(0, start)}${MASK}${'\n'.repeat(newlines)}${text.slice(end)}`;
  }
  return text;
}
