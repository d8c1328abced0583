// The cluster check's command line, which needs no cluster: without a place for the images it
// stops before doing anything. (Its checks of a running pod are tested against the demo pod
// under podrun, in demo.test.ts; the parts that need a cluster run in the fork's kind job.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnNode } from '@pod-patterns/testing';

const script = fileURLToPath(new URL('../dist/cluster-check.js', import.meta.url));

test('without --kind, --minikube or --registry (or with two) it exits 64 and says what it needs', async () => {
  for (const args of [[], ['--kind', 'a', '--minikube']]) {
    const run = spawnNode(script, args);
    assert.equal(await run.exited, 64, args.join(' '));
    assert.match(run.stderr(), /say where the images go: --kind CLUSTER, --minikube or --registry REGISTRY/);
  }
});
