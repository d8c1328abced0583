// From manifests to local commands: env, volumes, paths, addresses, images. preparePod writes
// real files; each test reads them back.
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { argvOf, fromDockerfile, resolveImage } from '../src/images.js';
import { loadObjects, ManifestError, selectPod } from '../src/manifests.js';
import { readableLine } from '../src/output.js';
import { preparePod } from '../src/prepare.js';
import { parseHostMapping, Rewriter } from '../src/rewrite.js';
import type { K8sObject, PodSpec } from '../src/types.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const images = new Map([['fake', ['node', '/bin/fake.js']]]);
const hosts = [parseHostMapping('config-api:80=127.0.0.1:8081'), parseHostMapping('redis-0.redis:6379=127.0.0.1:7001')];
const address = '127.9.8.7';

const configMap: K8sObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'demo' },
  data: { mode: 'fast', servers: 'redis-0.redis:6379:1 s0', 'app.json': '{"a":1}', 'bad key': 'x' },
};
const secret: K8sObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'creds', namespace: 'demo' },
  data: { password: Buffer.from('hunter2\n').toString('base64') },
};

// preparePod makes the pod's folder; podrun removes it at exit, and these tests after the file.
const podDirs: string[] = [];
after(() => {
  for (const dir of podDirs) rmSync(dir, { recursive: true, force: true });
});

function prepare(spec: PodSpec, objects: K8sObject[] = [configMap, secret]) {
  const selected = { owner: 'Pod/p', name: 'p', namespace: 'demo', labels: { tier: 'front' }, spec };
  const pod = preparePod(selected, objects, { address, repoRoot, images, hosts });
  podDirs.push(pod.dir);
  return pod;
}

test('env: values, $(VAR) expansion, configMap and Secret keys, fieldRefs, envFrom with a prefix', () => {
  const { containers } = prepare({
    containers: [
      {
        name: 'app',
        image: 'fake',
        envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CM_' }],
        env: [
          { name: 'A', value: 'one' },
          { name: 'B', value: '$(A)-two $$(A) $(MISSING)' },
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
          { name: 'OPTIONAL', valueFrom: { secretKeyRef: { name: 'creds', key: 'nope', optional: true } } },
        ],
      },
    ],
  });
  const env = containers[0]?.command?.env ?? {};
  assert.equal(env.B, 'one-two $(A) $(MISSING)');
  assert.equal(env.MODE, 'fast');
  assert.equal(env.CM_mode, 'fast');
  assert.equal(env['CM_bad key'], undefined, 'not a valid variable name: skipped, as the kubelet does');
  assert.equal(env.PASSWORD, 'hunter2\n');
  assert.deepEqual(
    [env.POD_NAME, env.POD_NAMESPACE, env.NODE_NAME, env.POD_IP, env.TIER],
    ['p', 'demo', 'podrun', address, 'front'],
  );
  assert.equal('OPTIONAL' in env, false);
  assert.equal(env.POD_RUNTIME, 'podrun', "podrun's own variable, as the kubelet adds its KUBERNETES_*");
  const overridden = prepare({
    containers: [{ name: 'app', image: 'fake', env: [{ name: 'POD_RUNTIME', value: 'mine' }] }],
  });
  assert.equal(overridden.containers[0]?.command?.env?.POD_RUNTIME, 'mine', 'the manifest overrides it');
});

test("env: a missing ConfigMap, Secret or key is the container's CreateContainerConfigError, naming it", () => {
  const ref = (valueFrom: object) => ({ name: 'app', image: 'fake', env: [{ name: 'X', valueFrom }] });
  const cases: [object, RegExp][] = [
    [{ configMapKeyRef: { name: 'absent', key: 'k' } }, /ConfigMap demo\/absent is not in the manifests/],
    [{ secretKeyRef: { name: 'creds', key: 'token' } }, /X: Secret creds has no key token/],
    [
      { fieldRef: { fieldPath: 'spec.serviceAccountName' } },
      /fieldRef spec.serviceAccountName is not one podrun knows/,
    ],
  ];
  for (const [valueFrom, message] of cases) {
    const [c] = prepare({ containers: [ref(valueFrom)] }).containers;
    assert.equal(c?.command, undefined);
    assert.match(c?.configError ?? '', message);
  }
});

test("volumes: configMap items and modes, secrets decoded, projected sources, in the kubelet's ..data layout", () => {
  const pod = prepare({
    containers: [
      {
        name: 'app',
        image: 'fake',
        volumeMounts: [
          { name: 'settings', mountPath: '/etc/settings' },
          { name: 'creds', mountPath: '/var/run/secrets/creds' },
          { name: 'both', mountPath: '/etc/both' },
          { name: 'scratch', mountPath: '/tmp' },
        ],
      },
    ],
    volumes: [
      {
        name: 'settings',
        configMap: { name: 'settings', items: [{ key: 'app.json', path: 'conf/app.json', mode: 0o600 }] },
      },
      { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
      {
        name: 'both',
        projected: {
          sources: [
            { configMap: { name: 'settings', items: [{ key: 'mode', path: 'mode' }] } },
            { secret: { name: 'creds' } },
          ],
        },
      },
      { name: 'scratch', emptyDir: {} },
    ],
  });
  const volume = (name: string) => join(pod.dir, 'volumes', name);
  assert.equal(readFileSync(join(volume('settings'), 'conf/app.json'), 'utf8'), '{"a":1}');
  assert.equal(statSync(join(volume('settings'), 'conf/app.json')).mode & 0o777, 0o600);
  assert.throws(() => statSync(join(volume('settings'), 'mode')), /ENOENT/, 'only the listed items');
  assert.match(readlinkSync(join(volume('settings'), '..data')), /^\.\.\d{4}_/);
  assert.equal(readlinkSync(join(volume('settings'), 'conf')), '..data/conf');
  assert.equal(readFileSync(join(volume('creds'), 'password'), 'utf8'), 'hunter2\n');
  assert.equal(statSync(join(volume('creds'), 'password')).mode & 0o777, 0o400);
  assert.equal(readFileSync(join(volume('both'), 'mode'), 'utf8'), 'fast');
  assert.equal(readFileSync(join(volume('both'), 'password'), 'utf8'), 'hunter2\n');
  assert.equal(statSync(volume('scratch')).isDirectory(), true);
});

test('volumes: a missing ConfigMap, or a volume type that cannot run here, is refused by name', () => {
  assert.throws(
    () =>
      prepare({ containers: [{ name: 'app', image: 'fake' }], volumes: [{ name: 'host', hostPath: { path: '/' } }] }),
    /volume host: hostPath volumes cannot run on this machine/,
  );
  assert.throws(
    () =>
      prepare({
        containers: [{ name: 'app', image: 'fake' }],
        volumes: [{ name: 'c', configMap: { name: 'absent' } }],
      }),
    /volume c: ConfigMap demo\/absent is not in the manifests/,
  );
  assert.throws(
    () => prepare({ containers: [{ name: 'app', image: 'fake', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }] }),
    /volumeMount nope names no volume/,
  );
});

test('paths: env values and arguments under a mount path, a file:// URL or a --flag= get the local folder', () => {
  const pod = prepare({
    containers: [
      {
        name: 'app',
        image: 'fake',
        args: ['--root=/content', '/content/site/index.html', '/elsewhere'],
        env: [
          { name: 'CONFIG_FILE', value: '/config/app.json' },
          { name: 'REPO', value: 'file:///content/repo' },
          { name: 'TERMINATION_LOG', value: '/dev/termination-log' },
          { name: 'NOT_A_MOUNT', value: '/contents' },
        ],
        volumeMounts: [
          { name: 'content', mountPath: '/content' },
          { name: 'config', mountPath: '/config', subPath: 'sub' },
        ],
      },
    ],
    volumes: [
      { name: 'content', emptyDir: {} },
      { name: 'config', emptyDir: {} },
    ],
  });
  const c = pod.containers[0];
  const v = (name: string) => join(pod.dir, 'volumes', name);
  assert.deepEqual(c?.command?.argv, [
    'node',
    '/bin/fake.js',
    `--root=${v('content')}`,
    `${v('content')}/site/index.html`,
    '/elsewhere',
  ]);
  assert.equal(c?.command?.env.CONFIG_FILE, `${v('config')}/sub/app.json`);
  assert.equal(c?.command?.env.REPO, `file://${v('content')}/repo`);
  assert.equal(c?.command?.env.TERMINATION_LOG, c?.terminationLog);
  assert.equal(c?.command?.env.NOT_A_MOUNT, '/contents');
});

test("addresses: the pod's loopback and wildcard become its own address; Service names go where --host says", () => {
  const r = new Rewriter([], address, hosts);
  assert.equal(r.value('127.0.0.1:6379'), `${address}:6379`);
  assert.equal(r.value('0.0.0.0:9121'), `${address}:9121`);
  assert.equal(r.value('redis://localhost:6379/0'), `redis://${address}:6379/0`);
  assert.equal(r.value('127.0.0.10:80'), '127.0.0.10:80', 'another address is left alone');
  assert.equal(r.value('http://config-api/app.json'), 'http://127.0.0.1:8081/app.json', "http's default port is 80");
  assert.equal(r.value('http://config-api:80/app.json'), 'http://127.0.0.1:8081/app.json');
  assert.equal(r.value('https://config-api/app.json'), 'https://config-api/app.json', '443 is not mapped');
  assert.equal(r.value('http://config-api.example/'), 'http://config-api.example/', 'another name');
  assert.equal(
    r.services('redis-0.redis:6379:1 s0,redis-1.redis:6379:1 s1'),
    '127.0.0.1:7001:1 s0,redis-1.redis:6379:1 s1',
  );
  assert.throws(() => parseHostMapping('config-api=127.0.0.1:1'), /expected NAME:PORT=ADDR:PORT/);
});

test("ConfigMap text written to volumes gets the Service mappings (the ambassador's server list)", () => {
  const pod = prepare({
    containers: [{ name: 'app', image: 'fake', volumeMounts: [{ name: 's', mountPath: '/etc/s' }] }],
    volumes: [{ name: 's', configMap: { name: 'settings', items: [{ key: 'servers', path: 'servers' }] } }],
  });
  assert.equal(readFileSync(join(pod.dir, 'volumes', 's', 'servers'), 'utf8'), '127.0.0.1:7001:1 s0');
});

test("images: ours start as their Dockerfile's last stage does, node flags and ENV included, tini left out", () => {
  const ambassador = resolveImage('ghcr.io/example/pod-patterns-redis-ambassador:0.1.0', repoRoot, new Map());
  assert.deepEqual(ambassador.entrypoint, [
    'node',
    '--min-semi-space-size=16',
    '--max-semi-space-size=16',
    'apps/redis-ambassador/dist/main.js',
  ]);
  assert.deepEqual(ambassador.filesystem, [{ imagePath: '/app', localPath: repoRoot }]);
  const gitSync = resolveImage('ghcr.io/example/pod-patterns-git-sync:0.1.0', repoRoot, new Map());
  assert.deepEqual(gitSync.entrypoint, ['node', 'apps/git-sync/dist/main.js']);
  assert.deepEqual(gitSync.env, { NODE_ENV: 'production', HOME: '/tmp' });

  const image = fromDockerfile(
    'FROM x AS a\nENV A=1\nFROM y\nENV B=2\nWORKDIR /w\nENTRYPOINT ["e"]\nCMD ["c1", "c2"]\n',
    '/repo',
  );
  assert.deepEqual(image.env, { B: '2' }, 'only the last stage');
  assert.deepEqual(argvOf(image), ['e', 'c1', 'c2']);
  assert.deepEqual(argvOf(image, undefined, ['a']), ['e', 'a'], 'args replace CMD');
  assert.deepEqual(argvOf(image, ['sh'], undefined), ['sh'], 'command replaces ENTRYPOINT and drops CMD');
  assert.throws(() => fromDockerfile('FROM y\nENTRYPOINT node main.js\n', '/repo'), /only the exec form/);
});

test("HOME=/tmp from git-sync's image lands in the container's own /tmp volume", () => {
  const pod = prepare({
    containers: [
      {
        name: 'sync',
        image: 'ghcr.io/example/pod-patterns-git-sync:0.1.0',
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      },
    ],
    volumes: [{ name: 'tmp', emptyDir: {} }],
  });
  assert.equal(pod.containers[0]?.command?.env.HOME, join(pod.dir, 'volumes', 'tmp'));
  assert.equal(pod.containers[0]?.command?.cwd, repoRoot, "the image's WORKDIR /app is the repository");
});

test('manifests: a pod is picked by name from Pods and workload templates; a wrong name lists what there is', () => {
  const objects = loadObjects(join(repoRoot, 'k8s', 'kubernetes-manifests.yaml'));
  const demo = selectPod(objects, 'demo');
  assert.equal(demo.owner, 'Deployment/demo');
  assert.equal(demo.namespace, 'pod-patterns');
  assert.equal(selectPod(objects, 'StatefulSet/redis').owner, 'StatefulSet/redis');
  assert.throws(
    () => selectPod(objects, 'nope'),
    (e: Error) => e instanceof ManifestError && /Deployment\/demo/.test(e.message),
  );
  assert.throws(() => selectPod(objects), /more than one pod to run; pick one with --pod/);
});

test('manifests: unreadable or malformed input is a clear error', () => {
  assert.throws(() => loadObjects('/nonexistent.yaml'), /cannot read \/nonexistent\.yaml/);
  assert.throws(() => loadObjects(join(repoRoot, 'packages')), /a folder without a kustomization\.yaml/);
});

test('output: pino lines read as LEVEL message key=value, with numeric or label levels; other lines pass as they are', () => {
  assert.equal(
    readableLine('{"level":30,"time":1,"pid":2,"hostname":"h","msg":"listening","port":8080}'),
    'INFO  listening port=8080',
  );
  assert.equal(
    readableLine('{"level":"warn","service":"web","msg":"slow","ms":12.5,"tags":["a"]}'),
    'WARN  slow ms=12.5 tags=["a"]',
  );
  assert.equal(readableLine('plain text'), 'plain text');
  assert.equal(readableLine('{"not":"pino"}'), '{"not":"pino"}');
  assert.equal(readableLine('{broken'), '{broken');
});

const noKubectl = (process.env.PATH ?? '').split(':').some((d) => {
  try {
    return statSync(join(d, 'kubectl')).isFile();
  } catch {
    return false;
  }
})
  ? false
  : 'kubectl is not installed';

test('manifests: a kustomize folder renders through kubectl to the same objects as the committed rendering', {
  skip: noKubectl,
}, () => {
  const rendered = loadObjects(join(repoRoot, 'k8s'));
  const committed = loadObjects(join(repoRoot, 'k8s', 'kubernetes-manifests.yaml'));
  assert.deepEqual(rendered, committed);
});

test('manifests: a kustomize folder without kubectl says to use the rendered file', () => {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    assert.throws(() => loadObjects(join(repoRoot, 'k8s')), /kubectl is not installed: give the rendered file instead/);
  } finally {
    process.env.PATH = path;
  }
});
