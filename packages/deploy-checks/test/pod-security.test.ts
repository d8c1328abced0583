// Each Pod Security rule against a pod that breaks it, and only it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podSecurityViolations, RULES } from '../src/pod-security.js';
import type { PodSpec } from '../src/pod-specs.js';
import { app, goodSpec } from './fixtures.js';

test('the good fixture passes every rule', () => {
  assert.deepEqual(podSecurityViolations(goodSpec()), []);
});

const breaks: Record<string, (s: PodSpec) => void> = {
  'host namespaces': (s) => {
    s.hostNetwork = true;
  },
  privileged: (s) => {
    app(s).securityContext = { ...app(s).securityContext, privileged: true };
  },
  HostProcess: (s) => {
    app(s).securityContext = { ...app(s).securityContext, windowsOptions: { hostProcess: true } };
  },
  'baseline capabilities': (s) => {
    app(s).securityContext = { ...app(s).securityContext, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } };
  },
  'hostPath volumes': (s) => {
    s.volumes?.push({ name: 'host', hostPath: { path: '/' } });
  },
  'host ports': (s) => {
    app(s).ports = [{ name: 'http', containerPort: 8080, hostPort: 80 } as never];
  },
  AppArmor: (s) => {
    app(s).securityContext = { ...app(s).securityContext, appArmorProfile: { type: 'Unconfined' } };
  },
  SELinux: (s) => {
    app(s).securityContext = { ...app(s).securityContext, seLinuxOptions: { type: 'spc_t' } };
  },
  '/proc mount': (s) => {
    app(s).securityContext = { ...app(s).securityContext, procMount: 'Unmasked' };
  },
  'seccomp not Unconfined': (s) => {
    app(s).securityContext = { ...app(s).securityContext, seccompProfile: { type: 'Unconfined' } };
  },
  sysctls: (s) => {
    s.securityContext = { ...s.securityContext, sysctls: [{ name: 'kernel.msgmax' }] };
  },
  'volume types': (s) => {
    s.volumes?.push({ name: 'nfs', nfs: { server: 'x', path: '/' } });
  },
  'privilege escalation': (s) => {
    app(s).securityContext = { ...app(s).securityContext, allowPrivilegeEscalation: true };
  },
  'running as non-root': (s) => {
    s.securityContext = { ...s.securityContext, runAsNonRoot: undefined };
  },
  'running as non-root user': (s) => {
    app(s).securityContext = { ...app(s).securityContext, runAsUser: 0 };
  },
  'seccomp RuntimeDefault or Localhost': (s) => {
    s.securityContext = { ...s.securityContext, seccompProfile: undefined };
  },
  'capabilities drop ALL': (s) => {
    app(s).securityContext = { ...app(s).securityContext, capabilities: { drop: ['NET_RAW'] } };
  },
};

for (const rule of RULES) {
  test(`${rule.level}: "${rule.name}" fails a pod that breaks it`, () => {
    const spec = goodSpec();
    const breakIt = breaks[rule.name];
    assert.ok(breakIt, `a fixture for ${rule.name}`);
    breakIt(spec);
    const violations = podSecurityViolations(spec);
    assert.ok(violations.length > 0, 'a violation');
    // Some breaks also break a second rule (Unconfined seccomp is both levels' business).
    assert.ok(
      violations.some((v) => v.startsWith(`${rule.name}: `)),
      violations.join('; '),
    );
  });
}
