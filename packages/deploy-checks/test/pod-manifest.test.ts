// The manifest /_pod draws reaches web, in k8s/ and in every k8s/patterns/*, as the file itself;
// docker-compose.yml mounts the same file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { podManifestProblems } from '../src/pod-manifest-delivery.js';
import { type Container, podsOf } from '../src/pod-specs.js';
import type { K8sObject } from '../src/render.js';
import { path } from '../src/repo.js';
import { KUSTOMIZATIONS, noKubectl, rendered } from './render.js';

const owners: Record<string, [string, string]> = Object.fromEntries(
  KUSTOMIZATIONS.map((dir) => {
    const pattern = dir.split('/')[2];
    return [dir, pattern ? [`Pod/pattern-${pattern}`, `${dir}/pod.yaml`] : ['Deployment/demo', 'k8s/demo.yaml']];
  }),
);

test("each pod's web gets its own manifest, as written, read-only at POD_MANIFEST", { skip: noKubectl }, () => {
  for (const dir of KUSTOMIZATIONS) {
    const [owner, file] = owners[dir] as [string, string];
    assert.deepEqual(podManifestProblems(rendered(dir), owner, readFileSync(path(file), 'utf8')), [], dir);
  }
});

test('the check fails on a stale ConfigMap, a writable mount, or no mount', { skip: noKubectl }, () => {
  const source = readFileSync(path('k8s/demo.yaml'), 'utf8');
  const copy = () => structuredClone(rendered('k8s'));
  // podsOf hands back the objects' own specs, so a change to them is a change to the copy.
  const web = (objects: K8sObject[]) =>
    podsOf(objects)
      .find((p) => p.owner === 'Deployment/demo')
      ?.spec.containers.find((c) => c.name === 'web') as Container;
  const stale = copy();
  for (const o of stale) {
    const data = o.data as Record<string, string> | undefined;
    if (o.kind === 'ConfigMap' && data?.['pod.yaml']) data['pod.yaml'] += '# edited\n';
  }
  assert.match(podManifestProblems(stale, 'Deployment/demo', source).join(), /is not the manifest as written/);
  const writable = copy();
  for (const m of web(writable).volumeMounts ?? []) m.readOnly = false;
  assert.match(podManifestProblems(writable, 'Deployment/demo', source).join(), /is not mounted read-only/);
  const unmounted = copy();
  web(unmounted).volumeMounts = [];
  assert.match(podManifestProblems(unmounted, 'Deployment/demo', source).join(), /nothing is mounted at \/etc\/pod/);
});

test('docker-compose.yml mounts k8s/demo.yaml where web reads it', () => {
  const compose = readFileSync(path('docker-compose.yml'), 'utf8');
  assert.match(compose, /^ {6}- \.\/k8s\/demo\.yaml:\/etc\/pod\/pod\.yaml:ro$/m);
});
