// Every app README against the shape, and a README that breaks each rule.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readmeShapeProblems } from '../src/readme-shape.js';
import { APPS, path } from '../src/repo.js';

for (const app of APPS)
  test(`${app}'s README: Ports, Security, "In a pod" at k8s/patterns/, and "Copying it out" as the copy-out command`, () => {
    assert.deepEqual(readmeShapeProblems(readFileSync(path(`apps/${app}/README.md`), 'utf8'), app), []);
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
    '```sh',
    'npm run copy-out -- web ../my-web',
    '```',
    '',
  ].join('\n');
  assert.deepEqual(readmeShapeProblems(good, 'web'), []);
  assert.deepEqual(readmeShapeProblems(good.replace('## Ports', '## Sockets'), 'web'), ['no "## Ports" section']);
  assert.match(readmeShapeProblems(good.replace('| address | serves |', 'Some.'), 'web')[0] ?? '', /neither a table/);
  assert.deepEqual(readmeShapeProblems(good.replace('## Security', '## Safety'), 'web'), ['no "## Security" section']);
  assert.match(
    readmeShapeProblems(good.replace('| port | reachable by | exposes |', 'Safe.'), 'web')[0] ?? '',
    /"## Security" has neither a table of ports/,
  );
  assert.match(
    readmeShapeProblems(good.replace('../../k8s/patterns/init/pod.yaml', 'pod.yaml'), 'web')[0] ?? '',
    /links no manifest/,
  );
  // The old section, which asked the reader to copy folders by hand, and another app's command.
  const byHand = good.replace(
    /```sh[\s\S]*```/,
    'It needs [`packages/kit`](../../packages/kit) beside it: copy the folder whole.',
  );
  assert.deepEqual(readmeShapeProblems(byHand, 'web'), [
    '"## Copying it out" does not open with the command: npm run copy-out -- web <dir>',
  ]);
  assert.equal(readmeShapeProblems(good, 'git-sync').length, 1);
});
