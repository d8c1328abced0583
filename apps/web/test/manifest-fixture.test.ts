// web's tests draw test/fixtures/pod.yaml, so that they run wherever web goes (npm run
// copy-out). This test, which needs the monorepo's k8s/ beside it, holds that copy to the demo
// pod's manifest: when k8s/demo.yaml changes, copy it over the fixture.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

test('the fixture is k8s/demo.yaml, the manifest the demo pod is drawn from', () => {
  const demo = readFileSync(new URL('../../../k8s/demo.yaml', import.meta.url), 'utf8');
  const fixture = readFileSync(new URL('fixtures/pod.yaml', import.meta.url), 'utf8');
  assert.equal(fixture, demo, 'cp k8s/demo.yaml apps/web/test/fixtures/pod.yaml');
});
