// k8s/ and every k8s/patterns/*, rendered by the real kustomize, checked as a cluster would and
// more: the Kubernetes schemas, Pod Security "restricted", this project's conventions, and the
// contract with each app's own config schema.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { envProblems, loadSchemas, podContractProblems } from '../src/contract.js';
import { conventionViolations } from '../src/conventions.js';
import { schemaProblem } from '../src/kubernetes-schema.js';
import { podSecurityViolations } from '../src/pod-security.js';
import { appContainers, podsOf } from '../src/pod-specs.js';
import { kustomize } from '../src/render.js';
import { appOfImage, path } from '../src/repo.js';
import { effectiveRequest, formatQuantity } from '../src/resources.js';
import { KUSTOMIZATIONS, noKubectl, rendered } from './render.js';

const skip = noKubectl;

test('every kustomization renders, and every object passes its Kubernetes schema', { skip }, async () => {
  for (const dir of KUSTOMIZATIONS) {
    const objects = rendered(dir);
    assert.ok(objects.length > 0, dir);
    for (const object of objects) {
      assert.equal(await schemaProblem(object), undefined, `${dir}: ${object.kind}/${object.metadata.name}`);
    }
  }
});

test('every pod passes Pod Security "restricted" and the project conventions', { skip }, () => {
  for (const dir of KUSTOMIZATIONS) {
    const pods = podsOf(rendered(dir));
    assert.ok(pods.length > 0, `${dir} has pods`);
    for (const pod of pods) {
      assert.deepEqual(podSecurityViolations(pod.spec), [], `${dir}: ${pod.owner}`);
      assert.deepEqual(conventionViolations(pod), [], `${dir}: ${pod.owner}`);
    }
  }
});

test('every variable set for our images is declared and valid for that app; the pod agrees with itself', {
  skip,
}, async () => {
  const schemas = await loadSchemas();
  for (const dir of KUSTOMIZATIONS) {
    for (const pod of podsOf(rendered(dir))) {
      const containers = appContainers(pod, appOfImage) as Parameters<typeof podContractProblems>[0];
      for (const c of containers) assert.deepEqual(envProblems(c, schemas[c.app]), [], `${dir}: ${pod.owner}`);
      assert.deepEqual(podContractProblems(containers), [], `${dir}: ${pod.owner}`);
    }
  }
});

test("the demo: native sidecars in the app's order, 2 replicas, a grace period that covers web's drain", {
  skip,
}, () => {
  const objects = rendered('k8s');
  const demo = podsOf(objects).find((p) => p.owner === 'Deployment/demo');
  assert.ok(demo);
  assert.deepEqual(
    (demo.spec.initContainers ?? []).map((c) => `${c.name}${c.restartPolicy === 'Always' ? ' (sidecar)' : ''}`),
    [
      'config-init',
      'redis-ambassador (sidecar)',
      'http-ambassador (sidecar)',
      'git-sync (sidecar)',
      'metrics-adapter (sidecar)',
    ],
  );
  assert.equal((demo.object.spec as { replicas: number }).replicas, 2);
  const web = demo.spec.containers.find((c) => c.name === 'web');
  const seconds = (name: string) => Number.parseInt(web?.env?.find((e) => e.name === name)?.value ?? 'NaN', 10);
  const drain = seconds('SHUTDOWN_DELAY') + seconds('SHUTDOWN_TIMEOUT');
  assert.ok((demo.spec.terminationGracePeriodSeconds ?? 30) > drain, `grace period covers ${drain}s of drain`);
  assert.ok(objects.some((o) => o.kind === 'PodDisruptionBudget'));
  assert.ok(objects.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'pod-patterns'));
});

test('NetworkPolicies: everything denied by default; each allowed port is one the pods declare', { skip }, () => {
  const objects = rendered('k8s');
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const deny = policies.find((p) => JSON.stringify((p.spec as { podSelector: unknown }).podSelector) === '{}');
  assert.ok(deny && !(deny.spec as { ingress?: unknown }).ingress, 'a default-deny ingress policy');
  const pods = podsOf(objects);
  for (const policy of policies) {
    const spec = policy.spec as {
      podSelector: { matchLabels?: Record<string, string> };
      ingress?: { ports?: { port: string | number }[] }[];
    };
    const selected = pods.filter((p) =>
      Object.entries(spec.podSelector.matchLabels ?? {}).every(([k, v]) => p.labels[k] === v),
    );
    const names = selected
      .flatMap((p) => [...(p.spec.initContainers ?? []), ...p.spec.containers])
      .flatMap((c) => c.ports ?? []);
    for (const rule of spec.ingress ?? []) {
      for (const { port } of rule.ports ?? []) {
        assert.ok(
          names.some((n) => n.name === port || n.containerPort === port),
          `${policy.metadata.name}: port ${port}`,
        );
      }
    }
  }
});

test("k8s/README.md's resource math is the demo pod's, recomputed from the rendered YAML", { skip }, () => {
  const demo = podsOf(rendered('k8s')).find((p) => p.owner === 'Deployment/demo');
  assert.ok(demo);
  const effective = formatQuantity(effectiveRequest(demo.spec));
  const readme = readFileSync(path('k8s/README.md'), 'utf8');
  assert.match(readme, new RegExp(`effective request: ${effective.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`));
});

test('the committed k8s/kubernetes-manifests.yaml is what k8s/ renders now (npm run render)', { skip }, () => {
  const committed = readFileSync(path('k8s/kubernetes-manifests.yaml'), 'utf8');
  assert.ok(committed.endsWith(kustomize(path('k8s'))), 'stale: run `npm run render`');
});

test("the demo Secret's two keys carry the same password", () => {
  const password = readFileSync(path('k8s/demo/redis-password'), 'utf8').trim();
  const conf = readFileSync(path('k8s/demo/redis-auth.conf'), 'utf8');
  assert.match(conf, new RegExp(`^requirepass ${password}$`, 'm'));
});
