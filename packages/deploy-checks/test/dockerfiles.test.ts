// Each app's Dockerfile through dockerfile-utils and this project's rules, and against the
// manifests: what the image exposes is what the pods declare, and the benchmark starts the
// ambassador with the node flags its image's ENTRYPOINT gives.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { dockerfileProblems, entrypointOf, exposedPorts } from '../src/dockerfile.js';
import { allContainers, podsOf } from '../src/pod-specs.js';
import { APPS, appOfImage, path } from '../src/repo.js';
import { noKubectl, rendered } from './render.js';

const dockerfile = (app: string) => readFileSync(path(`apps/${app}/Dockerfile`), 'utf8');

for (const app of APPS) {
  test(`apps/${app}/Dockerfile passes the linter and the image rules`, () => {
    assert.deepEqual(dockerfileProblems(dockerfile(app)), []);
    assert.deepEqual(entrypointOf(dockerfile(app)).slice(-1), [`apps/${app}/dist/main.js`]);
  });
}

test('every port a pod declares for one of our images is one its Dockerfile exposes', { skip: noKubectl }, () => {
  for (const pod of podsOf(rendered('k8s'))) {
    for (const c of allContainers(pod.spec)) {
      const app = appOfImage(c.image);
      if (!app || c.command) continue;
      for (const port of c.ports ?? [])
        assert.ok(exposedPorts(dockerfile(app)).includes(port.containerPort), `${app}: ${port.containerPort}`);
    }
  }
});

test("the benchmarks run the ambassador with its image's node flags and its manifest's NODE_OPTIONS", async () => {
  const { shipped } = await import(path('bench/lib/shipped.ts'));
  const flags = entrypointOf(dockerfile('redis-ambassador')).slice(1, -1);
  assert.deepEqual(flags, ['--min-semi-space-size=16', '--max-semi-space-size=16']);
  assert.deepEqual(shipped('redis-ambassador'), {
    nodeArgs: flags,
    env: { NODE_OPTIONS: '--max-old-space-size=128' },
    memoryLimitMiB: 256,
  });
});

const GOOD = dockerfile('web');
const bad: [string, string, RegExp][] = [
  ['an unpinned base', GOOD.replace(/FROM node:[^ ]+ AS runner/, 'FROM node AS runner'), /not pinned/],
  ['a latest base', GOOD.replace(/FROM node:[^ ]+ AS runner/, 'FROM node:latest AS runner'), /not pinned/],
  ['a named USER', GOOD.replace('USER 1000:1000', 'USER node'), /numeric non-root user/],
  ['USER root', GOOD.replace('USER 1000:1000', 'USER 0'), /must not run as root/],
  ['a shell-form ENTRYPOINT', GOOD.replace(/ENTRYPOINT .*/, 'ENTRYPOINT node apps/web/dist/main.js'), /exec form/],
  [
    'dev dependencies kept',
    GOOD.replace(/\\\n && npm prune --omit=dev --no-audit --no-fund/, ''),
    /never drops dev dependencies/,
  ],
  ['a COPY from the context', GOOD.replace('USER 1000:1000', 'COPY . .\nUSER 1000:1000'), /from the build context/],
  ['an unknown instruction', GOOD.replace('WORKDIR /app', 'WORKDIRR /app'), /line \d+:/],
];
for (const [what, content, expected] of bad) {
  test(`a Dockerfile with ${what} fails`, () => {
    assert.notEqual(content, GOOD, 'the fixture changed something');
    assert.match(dockerfileProblems(content).join('\n'), expected);
  });
}
