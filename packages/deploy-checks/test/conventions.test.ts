// Each project convention against a pod that breaks it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conventionViolations } from '../src/conventions.js';
import type { PodOf } from '../src/pod-specs.js';
import { app, goodPod } from './fixtures.js';

const init = (pod: PodOf) => pod.spec.initContainers?.[0] as NonNullable<PodOf['spec']['initContainers']>[number];
const helper = (pod: PodOf) => pod.spec.initContainers?.[1] as NonNullable<PodOf['spec']['initContainers']>[number];

test('the good fixture follows every convention', () => {
  assert.deepEqual(conventionViolations(goodPod()), []);
});

const cases: [string, RegExp, (pod: PodOf) => void][] = [
  [
    'a service-account token mounted',
    /automountServiceAccountToken/,
    (p) => delete p.spec.automountServiceAccountToken,
  ],
  ['a recommended label missing', /app\.kubernetes\.io\/part-of/, (p) => delete p.labels['app.kubernetes.io/part-of']],
  [
    'an init container restartPolicy other than Always',
    /restartPolicy OnFailure/,
    (p) => (init(p).restartPolicy = 'OnFailure'),
  ],
  [
    'a probe on a plain init container',
    /probes are only allowed on sidecars/,
    (p) => (init(p).livenessProbe = { tcpSocket: { port: 1 } }),
  ],
  ['a sidecar without a startup probe', /no startup probe/, (p) => delete helper(p).startupProbe],
  ['an app container with a restartPolicy', /only for init containers/, (p) => (app(p.spec).restartPolicy = 'Always')],
  ['no liveness probe', /no livenessProbe/, (p) => delete app(p.spec).livenessProbe],
  ['no readiness probe', /no readiness or startup probe/, (p) => delete app(p.spec).readinessProbe],
  ['no memory limit', /no memory limits/, (p) => delete app(p.spec).resources?.limits?.memory],
  ['no cpu request on the init container', /init: no cpu requests/, (p) => delete init(p).resources?.requests?.cpu],
  [
    'a writable root filesystem',
    /not read-only/,
    (p) => ((app(p.spec).securityContext ?? {}).readOnlyRootFilesystem = false),
  ],
  ['an image without a tag', /not pinned/, (p) => (app(p.spec).image = 'example/app')],
  ['an image name with capitals', /not a valid reference/, (p) => (app(p.spec).image = 'ghcr.io/OWNER/app:1.0')],
  ['an image on latest', /not pinned/, (p) => (app(p.spec).image = 'example/app:latest')],
  ['a port without a name', /has no name/, (p) => (app(p.spec).ports = [{ containerPort: 8080 }])],
  ['a probe on a port number', /by number/, (p) => (app(p.spec).livenessProbe = { tcpSocket: { port: 8080 } })],
  [
    'a probe on an undeclared port name',
    /does not declare/,
    (p) => (app(p.spec).livenessProbe = { tcpSocket: { port: 'web' } }),
  ],
  ['one of our images without a heap cap', /does not set --max-old-space-size/, (p) => delete app(p.spec).env],
  [
    'a heap cap above half the memory limit',
    /more than half the memory limit \(64 MiB\)/,
    (p) => (app(p.spec).env = [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=48' }]),
  ],
];

for (const [what, expected, breakIt] of cases) {
  test(`fails: ${what}`, () => {
    const pod = goodPod();
    breakIt(pod);
    const violations = conventionViolations(pod);
    assert.ok(
      violations.some((v) => expected.test(v)),
      violations.join('; ') || '(nothing found)',
    );
  });
}
