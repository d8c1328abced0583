// k8s/'s NetworkPolicies against its pods' ports, and manifests that break each rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { networkPolicyProblems } from '../src/network-policy.js';
import type { K8sObject } from '../src/render.js';
import { noKubectl, rendered } from './render.js';

test('every port the demo and its backends declare is admitted by a NetworkPolicy, and no policy names a port nobody declares', {
  skip: noKubectl,
}, () => {
  assert.deepEqual(networkPolicyProblems(rendered('k8s')), []);
});

const pod = (ports: { name: string; containerPort: number }[]): K8sObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { app: 'p' } },
    spec: { containers: [{ name: 'c', image: 'x', ports }] },
  }) as unknown as K8sObject;
const policy = (ports: (string | number)[]): K8sObject =>
  ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'np' },
    spec: { podSelector: { matchLabels: { app: 'p' } }, ingress: [{ ports: ports.map((port) => ({ port })) }] },
  }) as unknown as K8sObject;

test('a port no policy admits, and a policy port nothing declares, are named', () => {
  const ports = [
    { name: 'http', containerPort: 8080 },
    { name: 'metrics-http', containerPort: 9181 },
  ];
  assert.deepEqual(networkPolicyProblems([pod(ports), policy(['http', 'metrics-http'])]), []);
  assert.deepEqual(networkPolicyProblems([pod(ports), policy(['http', 9181])]), [], 'by number');
  assert.deepEqual(networkPolicyProblems([pod(ports), policy(['http'])]), [
    'Pod/p: port metrics-http of c is admitted by no NetworkPolicy',
  ]);
  assert.deepEqual(networkPolicyProblems([pod(ports), policy(['http', 'metrics-http', 'metrics-htp'])]), [
    'NetworkPolicy/np admits port metrics-htp, which no pod it selects declares',
  ]);
});
