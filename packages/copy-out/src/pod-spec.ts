// The copy's k8s/pod-spec.yaml: the app's container exactly as k8s/patterns/<pattern>/pod.yaml
// runs it, comments included, with the volumes it mounts and the Pod-level security settings it
// relies on. It is the part of a PodSpec to paste into a Pod of one's own. Two things change, both
// because the copy's image is not this repository's: the image name, and paths inside the image
// (/app/apps/<app>/... is /app/... in the copy's image).
import { readFileSync } from 'node:fs';
import {
  type Alias,
  Document,
  isAlias,
  isMap,
  isSeq,
  type Node,
  parseAllDocuments,
  visit,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { type AppName, fromRepo, PATTERN_OF } from './repo.js';

/** The Pod-level fields a container's hardening depends on (runAsNonRoot, seccomp, no token). */
const POD_LEVEL = ['automountServiceAccountToken', 'securityContext'];

export const podSpecSource = (app: AppName) => `k8s/patterns/${PATTERN_OF[app]}/pod.yaml`;

/** Moves the monorepo image's paths and name to the copy's. */
export function forCopy(text: string, app: string): string {
  return text
    .replaceAll(`/app/apps/${app}/`, '/app/')
    .replace(/ghcr\.io\/example\/pod-patterns-([\w-]+)/g, 'ghcr.io/example/$1');
}

export function podSpecFragment(app: AppName): string {
  const source = podSpecSource(app);
  const { version } = JSON.parse(readFileSync(fromRepo(`apps/${app}/package.json`), 'utf8')) as { version: string };
  const documents = parseAllDocuments(readFileSync(fromRepo(source), 'utf8'));
  const pod = documents.find(
    (d) => d.get('kind') === 'Pod' && d.getIn(['metadata', 'name']) === `pattern-${PATTERN_OF[app]}`,
  );
  if (!pod) throw new Error(`${source} has no Pod pattern-${PATTERN_OF[app]}`);
  const spec = pod.get('spec') as YAMLMap;
  // A copied node must stand alone: an alias (*restricted) becomes what it points at.
  const resolved = (alias: Alias) => (alias.resolve(pod) as Node).clone() as Node;
  const standalone = (node: Node): Node => {
    const copy = node.clone() as Node;
    visit(copy, {
      Alias: (_key, alias) => resolved(alias),
      Node: (_key, n) => {
        n.anchor = undefined;
      },
    });
    if (isAlias(copy)) return resolved(copy);
    return copy;
  };

  for (const list of ['initContainers', 'containers']) {
    const containers = spec.get(list) as YAMLSeq<YAMLMap> | undefined;
    const container = containers?.items.find((c) => c.get('name') === app);
    if (!container) continue;
    const mounted = new Set(
      ((container.get('volumeMounts') as YAMLSeq<YAMLMap> | undefined)?.items ?? []).map((m) => m.get('name')),
    );
    const volumes = ((spec.get('volumes') as YAMLSeq<YAMLMap> | undefined)?.items ?? []).filter((v) =>
      mounted.has(v.get('name')),
    );
    const fragment = new Document({});
    for (const key of POD_LEVEL) {
      const value = spec.get(key, true);
      if (value !== undefined) fragment.set(key, isMap(value) || isSeq(value) ? standalone(value as Node) : value);
    }
    const ours = standalone(container) as YAMLMap;
    ours.set('image', `ghcr.io/example/${app}:${version}`); // as kustomize tags ours in k8s/
    fragment.set(list, fragment.createNode([]));
    (fragment.get(list) as YAMLSeq).items.push(ours);
    if (volumes.length > 0) {
      fragment.set('volumes', fragment.createNode([]));
      for (const volume of volumes) (fragment.get('volumes') as YAMLSeq).items.push(standalone(volume));
    }
    const header = [
      `${app}'s container as pod-patterns runs it in ${source}, with the volumes it`,
      `mounts and the Pod-level settings its hardening relies on. These are PodSpec fields: the`,
      `container goes under your Pod's spec.${list}, the volumes under spec.volumes.`,
      ...(list === 'initContainers' && container.get('restartPolicy') === 'Always'
        ? ['As an init container with restartPolicy: Always it is a native sidecar (Kubernetes 1.29+).']
        : []),
      'The image is the one `docker build` makes from this folder: push it to your registry and name it',
      'here.',
    ];
    return forCopy(`${header.map((line) => `# ${line}`).join('\n')}\n${fragment.toString({ lineWidth: 0 })}`, app);
  }
  throw new Error(`${source} has no container named ${app}`);
}
