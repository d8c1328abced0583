// A pod that passes every check, to break one rule at a time: each check is shown to fail.
import type { PodOf, PodSpec } from '../src/pod-specs.js';

const restricted = () => ({
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
});
const resources = () => ({ requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } });

export function goodSpec(): PodSpec {
  return {
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    initContainers: [
      { name: 'init', image: 'example/init:1.0', resources: resources(), securityContext: restricted() },
      {
        name: 'helper',
        image: 'example/helper:1.0',
        restartPolicy: 'Always',
        ports: [{ name: 'metrics', containerPort: 9100 }],
        startupProbe: { httpGet: { path: '/readyz', port: 'metrics' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' } },
        resources: resources(),
        securityContext: restricted(),
      },
    ],
    containers: [
      {
        name: 'app',
        image: 'ghcr.io/example/pod-patterns-web:0.1.0',
        env: [{ name: 'NODE_OPTIONS', value: '--max-semi-space-size=1 --max-old-space-size=32' }],
        ports: [{ name: 'http', containerPort: 8080 }],
        readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
        livenessProbe: { tcpSocket: { port: 'http' } },
        resources: resources(),
        securityContext: restricted(),
      },
    ],
    volumes: [
      { name: 'tmp', emptyDir: {} },
      { name: 'config', configMap: { name: 'c' } },
    ],
  };
}

export function goodPod(spec = goodSpec()): PodOf {
  const labels = {
    'app.kubernetes.io/name': 'x',
    'app.kubernetes.io/component': 'y',
    'app.kubernetes.io/part-of': 'pod-patterns',
    'app.kubernetes.io/version': '0.1.0',
  };
  return {
    owner: 'Pod/fixture',
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fixture' } },
    spec,
    labels,
  };
}

/** The app container of a spec, to break. */
export const app = (spec: PodSpec) => spec.containers[0] as NonNullable<PodSpec['containers'][number]>;
