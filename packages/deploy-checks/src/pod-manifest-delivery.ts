// web draws its pod on /_pod from the pod's own manifest: the kustomization makes a ConfigMap of
// the file, and web mounts it read-only where POD_MANIFEST points. This checks that chain in the
// rendered objects, and that the ConfigMap holds the file as written, byte for byte.
import { posix } from 'node:path';
import { podsOf } from './pod-specs.js';
import type { K8sObject } from './render.js';

/** What is wrong with how the pod `owner` hands its manifest (`source`, the file's text) to web. */
export function podManifestProblems(objects: K8sObject[], owner: string, source: string): string[] {
  const pod = podsOf(objects).find((p) => p.owner === owner);
  if (!pod) return [`${owner} is not in the rendered objects`];
  const web = pod.spec.containers.find((c) => c.name === 'web');
  if (!web) return [`${owner} has no web container`];
  const file = web.env?.find((e) => e.name === 'POD_MANIFEST')?.value;
  if (!file) return [`${owner}: web does not set POD_MANIFEST`];
  const mount = web.volumeMounts?.find((m) => m.mountPath === posix.dirname(file));
  if (!mount) return [`${owner}: nothing is mounted at ${posix.dirname(file)}, where POD_MANIFEST=${file} is`];
  const problems: string[] = [];
  if (mount.readOnly !== true) problems.push(`${owner}: ${mount.mountPath} is not mounted read-only`);
  const volume = pod.spec.volumes?.find((v) => v.name === mount.name) as { configMap?: { name: string } } | undefined;
  const name = volume?.configMap?.name;
  if (!name) return [...problems, `${owner}: the volume ${mount.name} is not a ConfigMap`];
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name) as
    | (K8sObject & { data?: Record<string, string> })
    | undefined;
  if (!configMap) return [...problems, `${owner}: the ConfigMap ${name} is not rendered`];
  const text = configMap.data?.[posix.basename(file)];
  if (text === undefined) problems.push(`${owner}: the ConfigMap ${name} has no key ${posix.basename(file)}`);
  else if (text !== source) problems.push(`${owner}: the ConfigMap ${name} is not the manifest as written`);
  return problems;
}
