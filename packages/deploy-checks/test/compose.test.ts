// docker-compose.yml: the compose-spec schema, the same pod contract as the manifests, and the
// same image names as k8s/kustomization.yaml's images: block.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { composeContainers, composeMemoryDrift, composeSchemaProblems, parseCompose } from '../src/compose.js';
import { envProblems, loadSchemas, podContractProblems } from '../src/contract.js';
import { podsOf } from '../src/pod-specs.js';
import { parseObjects } from '../src/render.js';
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
    'http-ambassador',
    'metrics-adapter',
    'redis-ambassador',
    'web',
  ]);
  for (const c of pod) assert.deepEqual(envProblems(c, schemas[c.app]), [], c.name);
  assert.deepEqual(podContractProblems(pod), []);
});

test("the pod's containers share one network namespace, and start in Kubernetes order", () => {
  const { services } = compose;
  for (const name of ['config-init', 'redis-ambassador', 'http-ambassador', 'git-sync', 'metrics-adapter', 'web']) {
    assert.equal(services[name]?.network_mode, 'service:pod', name);
  }
  const after = (name: string) => services[name]?.depends_on as Record<string, { condition: string }>;
  assert.deepEqual(after('web'), {
    'config-init': { condition: 'service_completed_successfully' },
    'redis-ambassador': { condition: 'service_healthy' },
    'http-ambassador': { condition: 'service_healthy' },
    'git-sync': { condition: 'service_healthy' },
  });
  for (const sidecar of ['redis-ambassador', 'http-ambassador', 'git-sync', 'web'])
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

// The committed rendering, so this runs without kubectl; k8s.test.ts fails when it is stale.
const demoPod = () => {
  const objects = parseObjects(readFileSync(path('k8s/kubernetes-manifests.yaml'), 'utf8'));
  const demo = podsOf(objects).find((p) => p.owner === 'Deployment/demo');
  assert.ok(demo, 'k8s/kubernetes-manifests.yaml has Deployment/demo');
  return demo.spec;
};

test("each container's memory limit and NODE_OPTIONS are the demo manifest's", () => {
  assert.deepEqual(composeMemoryDrift(compose, demoPod()), []);
});

test('fails: a compose memory limit or heap cap that drifted from the manifest', () => {
  const bad = parseCompose(text);
  (bad.services.web as Record<string, unknown>).mem_limit = '512m';
  const adapter = bad.services['metrics-adapter'] as { environment: Record<string, string> };
  delete adapter.environment.NODE_OPTIONS;
  assert.deepEqual(composeMemoryDrift(bad, demoPod()), [
    'metrics-adapter: NODE_OPTIONS "" is not the manifest\'s "--max-old-space-size=96"',
    "web: mem_limit 512m is not the manifest's memory limit 256Mi",
  ]);
});
