// What npm run copy-out hands a user to deploy is held to the same checks as k8s/ and the
// Dockerfiles here: each copy's k8s/pod-spec.yaml is its pattern Pod's container (only the image
// and the paths inside the image move), passes Pod Security's restricted level and the env
// contract; each copy's Dockerfile passes the Dockerfile rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { dockerfile } from '../../copy-out/src/dockerfile.js';
import { forCopy, podSpecFragment } from '../../copy-out/src/pod-spec.js';
import { APPS, PATTERN_OF } from '../../copy-out/src/repo.js';
import { envProblems, loadSchemas } from '../src/contract.js';
import { dockerfileProblems } from '../src/dockerfile.js';
import { podSecurityViolations } from '../src/pod-security.js';
import { allContainers, appContainers, type PodSpec, podsOf } from '../src/pod-specs.js';
import { noKubectl, rendered } from './render.js';

const schemas = await loadSchemas();
const copyImage = (image: string) => (/^ghcr\.io\/example\/([a-z-]+):/.exec(image)?.[1] as string) ?? undefined;

for (const app of APPS) {
  const pattern = `k8s/patterns/${PATTERN_OF[app]}`;
  test(`${app}'s copy: k8s/pod-spec.yaml is ${pattern}'s container, restricted, and within the env contract`, {
    skip: noKubectl,
  }, () => {
    const parsed = parse(podSpecFragment(app)) as Partial<PodSpec>;
    const fragment: PodSpec = { ...parsed, containers: parsed.containers ?? [] };
    const [container, ...others] = allContainers(fragment);
    assert.equal(others.length, 0, 'one container');
    const pod = podsOf(rendered(pattern)).find((p) => p.owner === `Pod/pattern-${PATTERN_OF[app]}`);
    const original = pod && allContainers(pod.spec).find((c) => c.name === app);
    assert.ok(original, `${pattern} runs ${app}`);
    assert.deepEqual(container, JSON.parse(forCopy(JSON.stringify(original), app)));
    // kustomize appends a hash of the content to the name of each ConfigMap it generates.
    const unhashed = (volume: unknown) =>
      JSON.parse(JSON.stringify(volume).replace(/("configMap":\{"name":"[^"]*)-[a-z0-9]{10}"/, '$1"'));
    for (const volume of fragment.volumes ?? [])
      assert.deepEqual(
        volume,
        unhashed(pod?.spec.volumes?.find((v) => v.name === volume.name)),
        `volume ${volume.name}`,
      );

    assert.deepEqual(podSecurityViolations(fragment), []);
    const views = appContainers({ owner: 'copy', object: pod.object, spec: fragment, labels: {} }, copyImage);
    assert.equal(views.length, 1, "the container runs the copy's image");
    assert.deepEqual(envProblems({ ...(views[0] as (typeof views)[number]), app }, schemas[app]), []);
  });

  test(`${app}'s copy: its Dockerfile passes the Dockerfile rules`, () => {
    assert.deepEqual(dockerfileProblems(dockerfile(app)), []);
  });
}
