// Where the pod comes from: a kustomize folder (rendered with `kubectl kustomize`) or a plain
// manifest file such as k8s/kubernetes-manifests.yaml. The same stream holds the ConfigMaps and
// Secrets the pod's volumes and env read.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { K8sObject, PodSpec } from './types.js';

export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** The objects of a manifest file, or of a kustomize folder rendered by kubectl. */
export function loadObjects(source: string): K8sObject[] {
  let text: string;
  if (statSync(source, { throwIfNoEntry: false })?.isDirectory()) {
    const hasKustomization = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some((f) =>
      statSync(join(source, f), { throwIfNoEntry: false }),
    );
    if (!hasKustomization) throw new ManifestError(`${source} is a folder without a kustomization.yaml`);
    try {
      text = execFileSync('kubectl', ['kustomize', source], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT')
        throw new ManifestError(
          `${source} is a kustomize folder and kubectl is not installed: give the rendered file instead (k8s/kubernetes-manifests.yaml)`,
        );
      throw new ManifestError(`kubectl kustomize ${source} failed: ${e.stderr?.trim() || e.message}`);
    }
  } else {
    try {
      text = readFileSync(source, 'utf8');
    } catch (error) {
      throw new ManifestError(`cannot read ${source}: ${(error as Error).message}`);
    }
  }
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new ManifestError(`${source}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as K8sObject | null;
    return value?.kind ? [value] : [];
  });
}

export interface SelectedPod {
  /** `Deployment/demo`, `Pod/init-pattern`: what was picked. */
  owner: string;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  spec: PodSpec;
}

const TEMPLATED = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** The Pod named `name`, or the pod template of the workload of that name. */
export function selectPod(objects: K8sObject[], name?: string): SelectedPod {
  const candidates = objects.filter((o) => o.kind === 'Pod' || TEMPLATED.has(o.kind));
  const describe = () => candidates.map((o) => `${o.kind}/${o.metadata.name}`).join(', ') || '(none)';
  let chosen: K8sObject | undefined;
  if (name) {
    chosen = candidates.find((o) => o.metadata.name === name || `${o.kind}/${o.metadata.name}` === name);
    if (!chosen) throw new ManifestError(`no Pod or workload named ${name}; the manifests have: ${describe()}`);
  } else if (candidates.length === 1) {
    chosen = candidates[0];
  } else {
    throw new ManifestError(`more than one pod to run; pick one with --pod: ${describe()}`);
  }
  if (!chosen) throw new ManifestError('the manifests hold no Pod, Deployment or StatefulSet');
  const namespace = chosen.metadata.namespace ?? 'default';
  if (chosen.kind === 'Pod') {
    return {
      owner: `Pod/${chosen.metadata.name}`,
      name: chosen.metadata.name,
      namespace,
      labels: chosen.metadata.labels ?? {},
      spec: chosen.spec as PodSpec,
    };
  }
  const template = (chosen.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec } })
    .template;
  if (!template?.spec) throw new ManifestError(`${chosen.kind}/${chosen.metadata.name} has no pod template`);
  return {
    owner: `${chosen.kind}/${chosen.metadata.name}`,
    // A Deployment's pods are named <deployment>-<hash>-<suffix>; one fixed suffix will do here.
    name: `${chosen.metadata.name}-podrun-0`,
    namespace,
    labels: template.metadata?.labels ?? {},
    spec: template.spec,
  };
}

/** A ConfigMap's or Secret's data as text files, Secret values decoded from base64. */
export function dataOf(objects: K8sObject[], kind: 'ConfigMap' | 'Secret', name: string, namespace: string) {
  const object = objects.find(
    (o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? 'default') === namespace,
  );
  if (!object) return undefined;
  const data: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(object.data ?? {}))
    data[key] = kind === 'Secret' ? Buffer.from(value, 'base64') : Buffer.from(value);
  for (const [key, value] of Object.entries(object.stringData ?? {})) data[key] = Buffer.from(value);
  for (const [key, value] of Object.entries(object.binaryData ?? {})) data[key] = Buffer.from(value, 'base64');
  return data;
}
