// Every app README against the shape, and a README that breaks each rule.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { kitFilesUsedBy, readmeShapeProblems } from '../src/readme-shape.js';
import { APPS, path } from '../src/repo.js';

const kitIndex = readFileSync(path('packages/kit/src/index.ts'), 'utf8');

for (const app of APPS)
  test(`${app}'s README: Ports, Security, "In a pod" at k8s/patterns/, and every kit file it calls in "Copying it out"`, () => {
    const kitFiles = kitFilesUsedBy(path(`apps/${app}`), kitIndex);
    assert.ok(kitFiles.includes('service') || kitFiles.includes('env'), `read the imports (${kitFiles})`);
    assert.deepEqual(readmeShapeProblems(readFileSync(path(`apps/${app}/README.md`), 'utf8'), kitFiles), []);
  });

test('a README that breaks the shape is named for each break', () => {
  const good = [
    '# x',
    '## Ports',
    '| address | serves |',
    '## Security',
    '| port | reachable by | exposes |',
    '## In a pod',
    'See [the pod](../../k8s/patterns/init/pod.yaml).',
    '## Copying it out',
    'It calls `src/env.ts`.',
    '',
  ].join('\n');
  assert.deepEqual(readmeShapeProblems(good, ['env']), []);
  assert.deepEqual(readmeShapeProblems(good.replace('## Ports', '## Sockets'), ['env']), ['no "## Ports" section']);
  assert.match(readmeShapeProblems(good.replace('| address | serves |', 'Some.'), [])[0] ?? '', /neither a table/);
  assert.deepEqual(readmeShapeProblems(good.replace('## Security', '## Safety'), ['env']), [
    'no "## Security" section',
  ]);
  assert.match(
    readmeShapeProblems(good.replace('| port | reachable by | exposes |', 'Safe.'), [])[0] ?? '',
    /"## Security" has neither a table of ports/,
  );
  assert.match(
    readmeShapeProblems(good.replace('../../k8s/patterns/init/pod.yaml', 'pod.yaml'), [])[0] ?? '',
    /links no manifest/,
  );
  assert.deepEqual(readmeShapeProblems(good, ['env', 'watch-file']), [
    '"## Copying it out" does not name the kit\'s src/watch-file.ts',
  ]);
});
