// NetworkPolicies against the ports the pods declare. Under a default-deny policy, a port no
// policy admits is unreachable on a cluster whose CNI enforces policies (the HTTP ambassador's
// metrics-http was: Prometheus could not scrape it), and nothing but a real cluster would say
// so. A policy that names a port no pod it selects declares is a typo that admits nothing.
// (Only ports on the pod IP are declared: the loopback ones are the pod's own business.)
import { type PodOf, podsOf } from './pod-specs.js';
import type { K8sObject } from './render.js';

interface PolicySpec {
  podSelector?: { matchLabels?: Record<string, string> };
  ingress?: { ports?: { port?: string | number }[] }[];
}

function selects(policy: PolicySpec, pod: PodOf): boolean {
  const wanted = policy.podSelector?.matchLabels ?? {};
  return Object.entries(wanted).every(([key, value]) => pod.labels[key] === value);
}

/** Every named container port admitted by a policy that selects its pod, and no policy port that names nothing. */
export function networkPolicyProblems(objects: K8sObject[]): string[] {
  const policies = objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => ({ name: o.metadata.name, spec: o.spec as PolicySpec }));
  if (policies.length === 0) return [];
  const problems: string[] = [];
  const pods = podsOf(objects);
  for (const pod of pods) {
    const admitted = new Set(
      policies
        .filter((p) => selects(p.spec, pod))
        .flatMap((p) => (p.spec.ingress ?? []).flatMap((rule) => (rule.ports ?? []).map((port) => port.port))),
    );
    for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers])
      for (const port of container.ports ?? [])
        if (!admitted.has(port.name) && !admitted.has(port.containerPort))
          problems.push(
            `${pod.owner}: port ${port.name ?? port.containerPort} of ${container.name} is admitted by no NetworkPolicy`,
          );
  }
  for (const policy of policies)
    for (const rule of policy.spec.ingress ?? [])
      for (const { port } of rule.ports ?? []) {
        const declared = pods
          .filter((pod) => selects(policy.spec, pod))
          .some((pod) =>
            [...(pod.spec.initContainers ?? []), ...pod.spec.containers].some((c) =>
              (c.ports ?? []).some((p) => p.name === port || p.containerPort === port),
            ),
          );
        if (!declared)
          problems.push(`NetworkPolicy/${policy.name} admits port ${port}, which no pod it selects declares`);
      }
  return problems;
}
