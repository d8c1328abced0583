#!/usr/bin/env node
// Prints, one per line, every public image this repository runs: the bases the Dockerfiles build
// FROM, and the third-party images docker-compose.yml and k8s/ (rendered by kubectl) name. Our
// own images (those docker-compose.yml builds) are left out. .ci/run gives this list to
// ../shared/engine/standin, so a new base or backend image needs no second list to be kept.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const images = new Set();

for (const app of readdirSync(join(root, 'apps'))) {
  let dockerfile;
  try {
    dockerfile = readFileSync(join(root, 'apps', app, 'Dockerfile'), 'utf8');
  } catch {
    continue; // an app without an image
  }
  const stages = new Set();
  for (const [, from, stage] of dockerfile.matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/gim)) {
    if (!stages.has(from)) images.add(from);
    if (stage) stages.add(stage);
  }
}

const { services } = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
const ours = new Set(Object.values(services).flatMap((s) => (s.build && s.image ? [s.image] : [])));
for (const service of Object.values(services)) if (service.image && !ours.has(service.image)) images.add(service.image);

// k8s/ and each pattern in k8s/patterns, as kubectl kustomize renders them (kustomize sets tags).
const kustomizations = ['k8s', ...readdirSync(join(root, 'k8s', 'patterns')).map((p) => join('k8s', 'patterns', p))];
for (const dir of kustomizations) {
  const rendered = execFileSync('kubectl', ['kustomize', dir], { cwd: root, encoding: 'utf8' });
  for (const doc of parseAllDocuments(rendered)) {
    const spec = doc.toJS()?.spec?.template?.spec ?? doc.toJS()?.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])])
      if (!ours.has(c.image)) images.add(c.image);
  }
}

console.log([...images].sort().join('\n'));
