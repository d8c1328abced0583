// Test helpers: the rendered kustomizations, once per test file.
import { readdirSync } from 'node:fs';
import { type K8sObject, kubectlMissing, kustomize, parseObjects } from '../src/render.js';
import { path } from '../src/repo.js';

export const noKubectl = kubectlMissing();

export const KUSTOMIZATIONS = ['k8s', ...readdirSync(path('k8s/patterns')).map((p) => `k8s/patterns/${p}`)];

const cache = new Map<string, K8sObject[]>();
export function rendered(dir: string): K8sObject[] {
  let objects = cache.get(dir);
  if (!objects) {
    objects = parseObjects(kustomize(path(dir)));
    cache.set(dir, objects);
  }
  return objects;
}
