#!/usr/bin/env node
// `npm run cluster-check -- --kind NAME | --minikube | --registry REGISTRY [--keep]`: proves the
// demo on a real cluster, for a teacher before class and for the fork's kind job alike. It builds
// the six images (apps/*/Dockerfile) and loads them into kind or minikube, or pushes them to a
// registry; applies k8s/ and waits for every Deployment and StatefulSet; checks the running pod
// through a port-forward (pod-checks.ts, the checks the demo's tests run against podrun); commits
// to the in-cluster git server and waits for the new revision; applies each k8s/patterns/* Pod
// and checks what k8s/README.md says to watch. On a failure it prints the events and every
// container's logs, and exits 1. It deletes what it made unless --keep.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './outside.js';
import { checkPod, podStatus, waitForRevision } from './pod-checks.js';

const NAMESPACE = 'pod-patterns'; // k8s/kustomization.yaml's
const PATTERNS_NAMESPACE = 'pod-patterns-check';
const IMAGE_PREFIX = 'ghcr.io/example/pod-patterns-'; // the names k8s/ gives our images
const SYNC_PERIOD_MS = 10_000; // git-sync's period in k8s/demo.yaml
const WAIT = '5m';

const { values } = parseArgs({
  options: {
    kind: { type: 'string' },
    minikube: { type: 'boolean', default: false },
    registry: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const targets = [values.kind !== undefined, values.minikube, values.registry !== undefined].filter(Boolean);
if (targets.length !== 1) {
  console.error('cluster-check: say where the images go: --kind CLUSTER, --minikube or --registry REGISTRY');
  process.exit(64);
}

const say = (text: string) => console.log(`cluster-check | ${text}`);
function run(command: string, args: string[], input?: string): string {
  return execFileSync(command, args, { cwd: repoRoot, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'inherit'] });
}
const kubectl = (...args: string[]) => run('kubectl', args);

/** The apps with an image, and the name each image has in the manifests (or in the registry). */
function images(): { app: string; image: string }[] {
  const tag = /newTag: (\S+)/.exec(readFileSync(join(repoRoot, 'k8s', 'kustomization.yaml'), 'utf8'))?.[1] ?? 'latest';
  return readdirSync(join(repoRoot, 'apps'))
    .filter((app) => existsSync(join(repoRoot, 'apps', app, 'Dockerfile')))
    .map((app) => ({
      app,
      image: `${values.registry ? `${values.registry}/pod-patterns-` : IMAGE_PREFIX}${app}:${tag}`,
    }));
}

/** A kustomization rendered, with our images renamed to the registry's when there is one. */
function rendered(dir: string): string {
  const yaml = kubectl('kustomize', dir);
  return values.registry ? yaml.replaceAll(IMAGE_PREFIX, `${values.registry}/pod-patterns-`) : yaml;
}

function portForward(target: string, namespace: string, ports: string[]): ChildProcess {
  return spawn('kubectl', ['-n', namespace, 'port-forward', target, ...ports], { stdio: 'ignore' });
}

async function until<T>(what: string, probe: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > end) throw new Error(`${what}: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function diagnose(namespace: string): void {
  say(`events, pods and logs in ${namespace}:`);
  const show = (...args: string[]) => {
    try {
      console.log(kubectl('-n', namespace, ...args));
    } catch {
      // a diagnosis that fails must not hide the failure it explains
    }
  };
  show('get', 'events', '--sort-by=.lastTimestamp');
  show('get', 'pods', '-o', 'wide');
  let pods: string[] = [];
  try {
    pods = kubectl('-n', namespace, 'get', 'pods', '-o', 'name').split('\n').filter(Boolean);
  } catch {
    // no namespace, no pods
  }
  for (const pod of pods) show('logs', pod, '--all-containers', '--prefix', '--tail=200');
}

const forwards: ChildProcess[] = [];
let failed = false;
try {
  for (const { app, image } of images()) {
    say(`building ${image}`);
    run('docker', ['build', '-q', '-f', `apps/${app}/Dockerfile`, '-t', image, '.']);
    if (values.kind !== undefined) run('kind', ['load', 'docker-image', '--name', values.kind, image]);
    else if (values.minikube) run('minikube', ['image', 'load', image]);
    else run('docker', ['push', image]);
  }

  say('applying k8s/');
  run('kubectl', ['apply', '-f', '-'], rendered('k8s'));
  for (const kind of ['statefulset', 'deployment'])
    for (const name of kubectl('-n', NAMESPACE, 'get', kind, '-o', 'name').split('\n').filter(Boolean)) {
      say(`waiting for ${name}`);
      kubectl('-n', NAMESPACE, 'rollout', 'status', name, `--timeout=${WAIT}`);
    }

  forwards.push(portForward('deploy/demo', NAMESPACE, ['18080:8080', '19102:9102', '19121:9121']));
  const endpoints = {
    web: 'http://127.0.0.1:18080',
    adapter: 'http://127.0.0.1:19102',
    redisAmbassador: 'http://127.0.0.1:19121',
  };
  const before = await until('the port-forward to web', () => podStatus(endpoints.web));
  const results = await until(
    'the demo pod',
    async () => {
      const r = await checkPod(endpoints);
      if (r.some((c) => !c.ok))
        throw new Error(r.map((c) => `${c.ok ? 'ok' : 'FAILED'} ${c.name}: ${c.detail}`).join('; '));
      return r;
    },
    120_000,
  );
  for (const r of results) say(`ok: ${r.name} (${r.detail})`);

  say('committing to the in-cluster git server');
  kubectl(
    '-n',
    NAMESPACE,
    'exec',
    'deploy/git-server',
    '--',
    'sh',
    '-c',
    'cd /srv/git/site && echo "<p>cluster-check</p>" >> index.html && git -c user.name=cluster-check -c user.email=check@example.invalid commit -qam cluster-check',
  );
  const revision = await waitForRevision(endpoints.web, before.content.revision, SYNC_PERIOD_MS + 20_000);
  if (!revision) throw new Error(`no new revision served within ${(SYNC_PERIOD_MS + 20_000) / 1000} s of the commit`);
  say(`ok: the new revision ${revision} is served`);

  run(
    'kubectl',
    ['apply', '-f', '-'],
    kubectl('create', 'namespace', PATTERNS_NAMESPACE, '--dry-run=client', '-o', 'yaml'),
  );
  for (const pattern of readdirSync(join(repoRoot, 'k8s', 'patterns')).sort()) {
    say(`applying k8s/patterns/${pattern}`);
    run('kubectl', ['-n', PATTERNS_NAMESPACE, 'apply', '-f', '-'], rendered(`k8s/patterns/${pattern}`));
    kubectl('-n', PATTERNS_NAMESPACE, 'wait', '--for=condition=Ready', `pod/pattern-${pattern}`, `--timeout=${WAIT}`);
    await checkPattern(pattern);
    say(`ok: pattern-${pattern}`);
  }
} catch (error) {
  failed = true;
  console.error(`cluster-check: FAILED: ${(error as Error).message}`);
  diagnose(NAMESPACE);
  diagnose(PATTERNS_NAMESPACE);
} finally {
  for (const forward of forwards) forward.kill();
  if (!values.keep) {
    say('deleting what it made (--keep keeps it)');
    for (const namespace of [PATTERNS_NAMESPACE, NAMESPACE])
      try {
        kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false');
      } catch {
        // nothing to delete
      }
  }
}
say(failed ? 'the demo is NOT working on this cluster' : 'the demo works on this cluster');
process.exit(failed ? 1 : 0);

/** What k8s/README.md's pattern table says to watch, for each pattern Pod. */
async function checkPattern(pattern: string): Promise<void> {
  const logs = (container: string) => kubectl('-n', PATTERNS_NAMESPACE, 'logs', `pattern-${pattern}`, '-c', container);
  if (pattern === 'init') {
    if (!/published/.test(logs('config-init'))) throw new Error('config-init did not log its publish');
  } else if (pattern === 'sidecar') {
    await until('git-sync to publish', async () => {
      if (!/published a new revision/.test(logs('git-sync'))) throw new Error('no revision published yet');
    });
  } else if (pattern === 'adapter' || pattern === 'ambassador') {
    // Local ports of each pattern's own: one forward's end cannot collide with the next's start.
    const web = pattern === 'adapter' ? 28080 : 38080;
    const ports = pattern === 'adapter' ? [`${web}:8080`, '29102:9102'] : [`${web}:8080`];
    const forward = portForward(`pod/pattern-${pattern}`, PATTERNS_NAMESPACE, ports);
    forwards.push(forward);
    const url = `http://127.0.0.1:${web}`;
    if (pattern === 'adapter') {
      await until("the adapter's web_up 1", async () => {
        await podStatus(url); // a page view, so that web has numbers to report
        const text = await (await fetch('http://127.0.0.1:29102/metrics')).text();
        if (!/^web_up 1$/m.test(text)) throw new Error('web_up is not 1');
      });
    } else {
      await until('visits and announcements through the ambassadors', async () => {
        const status = await podStatus(url);
        if (!status.visits.ok || !status.announcements.ok)
          throw new Error(
            `visits: ${JSON.stringify(status.visits)}; announcements: ${JSON.stringify(status.announcements)}`,
          );
      });
    }
    forward.kill();
  }
}
