// docker-compose.yml: the compose-spec schema, the same pod contract as the manifests, and the
// same image names as k8s/kustomization.yaml's images: block.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { composeContainers, composeSchemaProblems, parseCompose } from '../src/compose.js';
import { envProblems, loadSchemas, podContractProblems } from '../src/contract.js';
import { appOfImage, path } from '../src/repo.js';

const text = readFileSync(path('docker-compose.yml'), 'utf8');
const compose = parseCompose(text);

test('docker-compose.yml passes the compose-spec schema', () => {
  assert.deepEqual(composeSchemaProblems(compose), []);
});

test('a compose file the schema refuses fails', () => {
  const bad = parseCompose(text);
  (bad.services.web as Record<string, unknown>).restart = 7;
  (bad.services.web as Record<string, unknown>).helthcheck = {};
  const problems = composeSchemaProblems(bad).join('\n');
  assert.match(problems, /\/services\/web\/restart: must be string/);
  assert.match(problems, /must NOT have additional properties/);
});

test('every variable set for our images is valid for that app, and the pod agrees with itself', async () => {
  const schemas = await loadSchemas();
  const pod = composeContainers(compose);
  assert.deepEqual(pod.map((c) => c.name).sort(), [
    'config-init',
    'git-sync',
    'metrics-adapter',
    'redis-ambassador',
    'web',
  ]);
  for (const c of pod) assert.deepEqual(envProblems(c, schemas[c.app]), [], c.name);
  assert.deepEqual(podContractProblems(pod), []);
});

test("the pod's containers share one network namespace, and start in Kubernetes order", () => {
  const { services } = compose;
  for (const name of ['config-init', 'redis-ambassador', 'git-sync', 'metrics-adapter', 'web']) {
    assert.equal(services[name]?.network_mode, 'service:pod', name);
  }
  const after = (name: string) => services[name]?.depends_on as Record<string, { condition: string }>;
  assert.deepEqual(after('web'), {
    'config-init': { condition: 'service_completed_successfully' },
    'redis-ambassador': { condition: 'service_healthy' },
    'git-sync': { condition: 'service_healthy' },
  });
  for (const sidecar of ['redis-ambassador', 'git-sync', 'web'])
    assert.ok(services[sidecar]?.healthcheck, `${sidecar} has a healthcheck`);
});

test("images carry the names and tags of k8s/kustomization.yaml's images: block", () => {
  const kustomization = parse(readFileSync(path('k8s/kustomization.yaml'), 'utf8')) as {
    images: { name: string; newTag: string }[];
  };
  const pinned = new Set(kustomization.images.map((i) => `${i.name}:${i.newTag}`));
  for (const [name, service] of Object.entries(compose.services)) {
    if (!service.image || service.image.startsWith('node:')) continue; // the pod's pause stand-in
    assert.ok(pinned.has(service.image), `${name}: ${service.image}`);
    if (appOfImage(service.image)) assert.ok(service.build, `${name} builds its image`);
  }
});
