// The contract checks against manifests that break it: a misspelt variable, a bad value, a path
// on no volume, a default left implicit, and pod-mates that disagree.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { EnvSchema } from '@pod-patterns/kit';
import { type ContainerView, envProblems, loadSchemas, podContractProblems } from '../src/contract.js';
import type { AppName } from '../src/repo.js';

let schemas: Record<AppName, EnvSchema>;
before(async () => {
  schemas = await loadSchemas();
});

/** The demo pod's contract, as k8s/demo.yaml states it, to break one piece at a time. */
function demoPod(): ContainerView[] {
  const tmp = (name: string) => ({ path: '/tmp', volume: `tmp-${name}`, readOnly: false });
  return [
    {
      name: 'config-init',
      app: 'config-init',
      env: {
        CONFIG_URL: 'http://config-api/app.json',
        CONFIG_OUTPUT: '/config/app.json',
        TERMINATION_LOG_PATH: '/dev/termination-log',
      },
      mounts: [{ path: '/config', volume: 'config', readOnly: false }, tmp('init')],
      ports: [],
    },
    {
      name: 'git-sync',
      app: 'git-sync',
      env: {
        GITSYNC_REPO: 'git://git-server/site',
        GITSYNC_ROOT: '/content',
        GITSYNC_LINK: 'site',
        GITSYNC_HTTP_BIND: '0.0.0.0:8090',
      },
      mounts: [{ path: '/content', volume: 'content', readOnly: false }, tmp('git')],
      ports: [8090],
    },
    {
      name: 'web',
      app: 'web',
      env: {
        HOST: '0.0.0.0',
        PORT: '8080',
        STATS_LISTEN: '127.0.0.1:9000',
        CONTENT_DIR: '/content/site',
        CONFIG_FILE: '/config/app.json',
        REDIS_URL: 'redis://127.0.0.1:6379',
        ANNOUNCEMENTS_URL: '',
        POD_CONTAINERS: 'config-init:init,git-sync:sidecar,web:main',
      },
      mounts: [
        { path: '/content', volume: 'content', readOnly: true },
        { path: '/config', volume: 'config', readOnly: true },
        tmp('web'),
      ],
      ports: [8080],
    },
  ];
}
const find = (pod: ContainerView[], name: string) => pod.find((c) => c.name === name) as ContainerView;
const allEnvProblems = (pod: ContainerView[]) => pod.flatMap((c) => envProblems(c, schemas[c.app]));

test('the demo pod as stated passes', () => {
  const pod = demoPod();
  assert.deepEqual(allEnvProblems(pod), []);
  assert.deepEqual(podContractProblems(pod), []);
});

test('a misspelt variable fails', () => {
  const pod = demoPod();
  find(pod, 'web').env.CONTENT_DIRECTORY = '/content/site';
  assert.deepEqual(allEnvProblems(pod), ['web: CONTENT_DIRECTORY is not a variable of web (see apps/web/README.md)']);
});

test('a value the schema refuses fails, with the schema’s own message', () => {
  const pod = demoPod();
  find(pod, 'git-sync').env.GITSYNC_PERIOD = 'often';
  assert.match(allEnvProblems(pod).join('\n'), /^git-sync: GITSYNC_PERIOD: /m);
});

test('a path the app reads that is on no volume fails', () => {
  const pod = demoPod();
  find(pod, 'web').env.CONFIG_FILE = '/etc/app.json';
  assert.match(allEnvProblems(pod).join('\n'), /web: CONFIG_FILE=\/etc\/app.json is on no volume/);
});

test('a path or address left to its default fails', () => {
  const pod = demoPod();
  delete find(pod, 'web').env.STATS_LISTEN;
  assert.match(allEnvProblems(pod).join('\n'), /web: STATS_LISTEN is left to its default/);
});

test('pod-mates that disagree fail: config file, content link, volumes, ports, the container list', () => {
  const cases: [string, (pod: ContainerView[]) => void, RegExp][] = [
    [
      'config',
      (p) => (find(p, 'config-init').env.CONFIG_OUTPUT = '/config/other.json'),
      /web reads \/config\/app.json/,
    ],
    ['link', (p) => (find(p, 'git-sync').env.GITSYNC_LINK = 'current'), /git-sync publishes \/content\/current/],
    [
      'volume',
      (p) => ((find(p, 'web').mounts[0] as { volume: string }).volume = 'other'),
      /do not share the content volume/,
    ],
    ['port', (p) => (find(p, 'web').ports = [8081]), /declares port 8081/],
    ['containers', (p) => (find(p, 'web').env.POD_CONTAINERS += ',ghost:sidecar'), /names ghost/],
  ];
  for (const [what, breakIt, expected] of cases) {
    const pod = demoPod();
    breakIt(pod);
    assert.match(podContractProblems(pod).join('\n'), expected, what);
  }
});

test("web's announcements must go to the HTTP ambassador's listen address", () => {
  const pod = demoPod();
  pod.push({
    name: 'http-ambassador',
    app: 'http-ambassador',
    env: { AMBASSADOR_LISTEN: '127.0.0.1:8081', UPSTREAMS: 'http://config-api' },
    mounts: [],
    ports: [],
  });
  find(pod, 'web').env.ANNOUNCEMENTS_URL = 'http://127.0.0.1:8081/announcements.json';
  assert.deepEqual(podContractProblems(pod), []);
  find(pod, 'web').env.ANNOUNCEMENTS_URL = 'http://127.0.0.1:8082/announcements.json';
  assert.deepEqual(podContractProblems(pod), [
    "web's ANNOUNCEMENTS_URL http://127.0.0.1:8082/announcements.json is not the HTTP ambassador's 127.0.0.1:8081",
  ]);
});
