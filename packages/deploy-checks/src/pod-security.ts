// The Pod Security Standards, "baseline" and "restricted", as the Kubernetes docs state them
// (kubernetes.io/docs/concepts/security/pod-security-standards, latest). The schemas check
// shape only; these check meaning. Each rule returns what it found wrong, one line each.
import { allContainers, type Container, type PodSpec } from './pod-specs.js';

export interface Rule {
  name: string;
  level: 'baseline' | 'restricted';
  check: (spec: PodSpec) => string[];
}

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

/** A finding for each container where `bad` says something. */
const perContainer = (spec: PodSpec, bad: (c: Container) => string | undefined) =>
  allContainers(spec).flatMap((c) => {
    const found = bad(c);
    return found ? [`container ${c.name}: ${found}`] : [];
  });

type Context = { seccompProfile?: { type?: string }; seLinuxOptions?: Record<string, string>; [k: string]: unknown };
const contexts = (spec: PodSpec): [string, Context | undefined][] => [
  ['pod', spec.securityContext as Context | undefined],
  ...allContainers(spec).map((c): [string, Context | undefined] => [`container ${c.name}`, c.securityContext]),
];

export const RULES: Rule[] = [
  {
    name: 'host namespaces',
    level: 'baseline',
    check: (s) =>
      (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => s[k] === true).map((k) => `${k} is true`),
  },
  {
    name: 'privileged',
    level: 'baseline',
    check: (s) => perContainer(s, (c) => (c.securityContext?.privileged === true ? 'privileged' : undefined)),
  },
  {
    name: 'HostProcess',
    level: 'baseline',
    check: (s) =>
      contexts(s)
        .filter(([, ctx]) => (ctx?.windowsOptions as { hostProcess?: boolean } | undefined)?.hostProcess === true)
        .map(([where]) => `${where}: windowsOptions.hostProcess is true`),
  },
  {
    name: 'baseline capabilities',
    level: 'baseline',
    check: (s) =>
      perContainer(s, (c) => {
        const extra = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
        return extra.length > 0 ? `adds ${extra.join(', ')}` : undefined;
      }),
  },
  {
    name: 'hostPath volumes',
    level: 'baseline',
    check: (s) => (s.volumes ?? []).filter((v) => 'hostPath' in v).map((v) => `volume ${v.name} is a hostPath`),
  },
  {
    name: 'host ports',
    level: 'baseline',
    check: (s) =>
      perContainer(s, (c) => {
        const used = (c.ports ?? []).filter((p) => (p as { hostPort?: number }).hostPort);
        return used.length > 0 ? 'uses a hostPort' : undefined;
      }),
  },
  {
    name: 'AppArmor',
    level: 'baseline',
    check: (s) =>
      contexts(s)
        .filter(([, ctx]) => (ctx?.appArmorProfile as { type?: string } | undefined)?.type === 'Unconfined')
        .map(([where]) => `${where}: appArmorProfile is Unconfined`),
  },
  {
    name: 'SELinux',
    level: 'baseline',
    check: (s) =>
      contexts(s).flatMap(([where, ctx]) => {
        const o = ctx?.seLinuxOptions;
        if (!o) return [];
        if (!SELINUX_TYPES.has(o.type ?? '')) return [`${where}: seLinuxOptions.type ${o.type}`];
        return o.user || o.role ? [`${where}: seLinuxOptions sets user or role`] : [];
      }),
  },
  {
    name: '/proc mount',
    level: 'baseline',
    check: (s) =>
      perContainer(s, (c) =>
        c.securityContext?.procMount !== undefined && c.securityContext.procMount !== 'Default'
          ? `procMount ${c.securityContext.procMount}`
          : undefined,
      ),
  },
  {
    name: 'seccomp not Unconfined',
    level: 'baseline',
    check: (s) =>
      contexts(s)
        .filter(([, ctx]) => ctx?.seccompProfile?.type === 'Unconfined')
        .map(([where]) => `${where}: seccompProfile is Unconfined`),
  },
  {
    name: 'sysctls',
    level: 'baseline',
    check: (s) =>
      (s.securityContext?.sysctls ?? []).filter((x) => !SAFE_SYSCTLS.has(x.name)).map((x) => `unsafe sysctl ${x.name}`),
  },
  {
    name: 'volume types',
    level: 'restricted',
    check: (s) =>
      (s.volumes ?? []).flatMap((v) => {
        const type = Object.keys(v).find((k) => k !== 'name');
        return type && RESTRICTED_VOLUMES.has(type) ? [] : [`volume ${v.name} is of type ${type}`];
      }),
  },
  {
    name: 'privilege escalation',
    level: 'restricted',
    check: (s) =>
      perContainer(s, (c) =>
        c.securityContext?.allowPrivilegeEscalation === false ? undefined : 'allowPrivilegeEscalation is not false',
      ),
  },
  {
    name: 'running as non-root',
    level: 'restricted',
    check: (s) => {
      const podSays = s.securityContext?.runAsNonRoot === true;
      return perContainer(s, (c) => {
        const own = c.securityContext?.runAsNonRoot;
        if (own === false) return 'runAsNonRoot is false';
        return own === true || podSays ? undefined : 'runAsNonRoot is not set, here or on the pod';
      });
    },
  },
  {
    name: 'running as non-root user',
    level: 'restricted',
    check: (s) =>
      contexts(s)
        .filter(([, ctx]) => ctx?.runAsUser === 0)
        .map(([where]) => `${where}: runAsUser is 0`),
  },
  {
    name: 'seccomp RuntimeDefault or Localhost',
    level: 'restricted',
    check: (s) => {
      const ok = (ctx?: Context) => ['RuntimeDefault', 'Localhost'].includes(ctx?.seccompProfile?.type ?? '');
      const podOk = ok(s.securityContext as Context | undefined);
      return perContainer(s, (c) => {
        if (c.securityContext?.seccompProfile)
          return ok(c.securityContext) ? undefined : 'seccompProfile is not RuntimeDefault or Localhost';
        return podOk ? undefined : 'no seccompProfile, here or on the pod';
      });
    },
  },
  {
    name: 'capabilities drop ALL',
    level: 'restricted',
    check: (s) =>
      perContainer(s, (c) => {
        const caps = c.securityContext?.capabilities;
        if (!caps?.drop?.includes('ALL')) return 'capabilities do not drop ALL';
        const extra = (caps.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
        return extra.length > 0 ? `adds ${extra.join(', ')}` : undefined;
      }),
  },
];

/** Every violation of the restricted level (which includes baseline), as `rule: finding`. */
export function podSecurityViolations(spec: PodSpec): string[] {
  return RULES.flatMap((rule) => rule.check(spec).map((finding) => `${rule.name}: ${finding}`));
}
