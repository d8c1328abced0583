// The fork's workflow against actionlint and against apps/, and the workflow it replaced, which
// fails both checks it could fail.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseObjects } from '../src/render.js';
import { APPS, appOfImage, path } from '../src/repo.js';
import { actionlintProblems, workflowAppListProblems } from '../src/workflow.js';
import { noKubectl } from './render.js';

const workflow = readFileSync(path('.github/workflows/ci.yml'), 'utf8');
const before = readFileSync(new URL('./fixtures/ci-before.yml', import.meta.url), 'utf8');

test('the workflow passes actionlint; a broken one does not', async () => {
  assert.deepEqual(await actionlintProblems(workflow, 'ci.yml'), []);
  const typo = workflow.replace('matrix.node }}', 'matrix.nodes }}');
  assert.match((await actionlintProblems(typo, 'ci.yml')).join('\n'), /property "nodes" is not defined/);
});

test("the workflow's image list is apps/*/Dockerfile, and the old hand-kept one is caught", () => {
  assert.deepEqual(workflowAppListProblems(workflow, APPS), []);
  const apps = JSON.parse(execFileSync(process.execPath, [path('scripts/ci/apps.mjs')], { encoding: 'utf8' }));
  assert.deepEqual(apps, [...APPS], 'scripts/ci/apps.mjs reads the same apps');
  assert.deepEqual(workflowAppListProblems(before, APPS), [
    'job images: matrix.app lists apps by hand (config-init, git-sync, metrics-adapter, redis-ambassador, web)',
    'job kind: a shell loop lists apps by hand (config-init git-sync metrics-adapter redis-ambassador web)',
    'job kind: a shell loop lists apps by hand (config-init git-sync metrics-adapter redis-ambassador web)',
    'no plan job reading the apps from apps/*/Dockerfile (scripts/ci/apps.mjs)',
    "job images: its matrix is not the plan job's app list",
    'job kind: does not run npm run cluster-check, which builds and loads every image',
  ]);
});

test('every image of ours that the rendered manifests name is one the kind job builds', () => {
  const rendered = parseObjects(readFileSync(path('k8s/kubernetes-manifests.yaml'), 'utf8'));
  const named = new Set(
    JSON.stringify(rendered)
      .match(/"image":"[^"]+"/g)
      ?.map((m) => appOfImage(m.slice(9, -1)))
      .filter((app) => app !== undefined),
  );
  assert.deepEqual([...named].sort(), [...APPS], 'the demo names every app (and the cluster check builds apps/*)');
});

test('the workflow pins kubectl to the version the committed rendering is checked with here', {
  skip: noKubectl,
}, () => {
  const pinned = /KUBECTL_VERSION: (v[\d.]+)/.exec(workflow)?.[1];
  const here = /Client Version: (v\d+\.\d+\.\d+)/.exec(
    execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8' }),
  )?.[1];
  assert.ok(pinned, 'KUBECTL_VERSION is set');
  assert.equal(
    pinned,
    here,
    'a newer kustomize may render k8s/ differently, and the rendering test compares byte for byte',
  );
});
