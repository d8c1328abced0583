// The command's refusals (each writes nothing), and what every copy holds: nothing that points
// back into this repository, links that work from the new place, the tests it says it took.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@pod-patterns/testing';
import { planCopy } from '../src/copy-out.js';
import { relink } from '../src/readme.js';
import { APPS, fromRepo } from '../src/repo.js';

const main = fromRepo('packages/copy-out/src/main.ts');
function copyOut(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd: fromRepo(''),
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: fromRepo('') },
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

test('an unknown app: a clear message, exit 2, nothing written', () => {
  const destination = join(tempDir('copy-out-'), 'new');
  const run = copyOut('webb', destination);
  assert.equal(run.code, 2);
  assert.match(run.err, /unknown app "webb": one of config-init, git-sync, /);
  assert.equal(existsSync(destination), false);
});

test('a destination that exists and is not empty, or is a file: refused, left as it was', () => {
  const dir = tempDir('copy-out-');
  writeFileSync(join(dir, 'mine.txt'), 'keep me');
  const full = copyOut('web', dir);
  assert.equal(full.code, 2);
  assert.match(full.err, /exists and is not empty/);
  assert.deepEqual(readdirSync(dir), ['mine.txt']);
  const file = copyOut('web', join(dir, 'mine.txt'));
  assert.equal(file.code, 2);
  assert.match(file.err, /exists and is not a folder/);
});

test('a destination inside this repository, also through a symlink: refused, nothing written', () => {
  const inside = fromRepo('apps/web/copy-of-web');
  const direct = copyOut('web', inside);
  assert.equal(direct.code, 2);
  assert.match(direct.err, /is inside this repository/);
  assert.equal(existsSync(inside), false);
  const link = join(tempDir('copy-out-'), 'repo');
  symlinkSync(fromRepo('packages'), link);
  const through = copyOut('web', join(link, 'web-copy'));
  assert.equal(through.code, 2);
  assert.match(through.err, /is inside this repository/);
  assert.equal(existsSync(fromRepo('packages/web-copy')), false);
  assert.equal(copyOut('web', fromRepo('')).code, 2, 'the root itself');
});

test('no arguments: the usage, exit 2', () => {
  const run = copyOut();
  assert.equal(run.code, 2);
  assert.match(run.err, /^usage: npm run copy-out -- <app> <dir>/);
});

test('a copy into an empty folder: every file written, and the counts printed', () => {
  const dir = tempDir('copy-out-');
  mkdirSync(join(dir, 'empty'));
  const run = copyOut('metrics-adapter', join(dir, 'empty'));
  assert.equal(run.code, 0, run.err);
  const plan = planCopy('metrics-adapter');
  assert.match(run.out, new RegExp(`: ${plan.files.size} files\\n`));
  assert.match(run.out, new RegExp(`took ${plan.taken.length} test files, left ${plan.left.length}\\n`));
  assert.ok(existsSync(join(dir, 'empty/src/kit/index.ts')));
  assert.ok(existsSync(join(dir, 'empty/test/support/index.ts')));
});

/**
 * What names this repository rather than the copy: its packages, its root files, paths up into
 * it. A README may still say where something is in pod-patterns, as "pod-patterns' `k8s/...`".
 */
const MONOREPO = [
  /@pod-patterns\//,
  /tsconfig\.base\.json/,
  /\bturbo\b/,
  /['"(]\.\.\/\.\.\/(apps|packages|scripts|k8s|bench)\b/,
  /(?<!pod-patterns' `)(?<![\w/])(apps|packages)\/(config-init|git-sync|http-ambassador|metrics-adapter|redis-ambassador|web|kit|testing)\b/,
];

for (const app of APPS)
  test(`${app}'s copy names nothing of this repository, and every README link works from the copy`, () => {
    const { files, taken, left } = planCopy(app);
    for (const [file, content] of files) {
      const text = content.toString();
      for (const pattern of MONOREPO) assert.doesNotMatch(text, pattern, `${file}`);
    }
    const readme = files.get('README.md') as string;
    for (const [, target] of readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target as string)) continue;
      const path = posix.normalize(target as string).replace(/\/$/, '');
      assert.ok(
        files.has(path) || [...files.keys()].some((f) => f.startsWith(`${path}/`)),
        `README links ${target}, which is not in the copy`,
      );
    }
    const tests = [...files.keys()].filter((f) => f.endsWith('.test.ts'));
    assert.deepEqual(tests, taken, 'the test files written are the ones counted as taken');
    assert.ok(taken.length > 0);
    for (const { file, reason } of left) assert.match(readme, new RegExp(`\`${file}\`: it ${reason}`));
  });

test('links into the rest of the repository name what they pointed at; the kit is src/kit', () => {
  const readme = [
    'The real manifest is [`k8s/demo.yaml`](../../k8s/demo.yaml).',
    'Built on [`packages/kit`](../../packages/kit).',
    "See [web's stats](../web/README.md#stats).",
    'The [schema](src/config.ts) stays.',
  ].join('\n');
  assert.equal(
    relink(readme, 'git-sync'),
    [
      'The real manifest is `k8s/demo.yaml` of pod-patterns.',
      'Built on [`src/kit`](src/kit).',
      "See web's stats (pod-patterns' `apps/web/README.md`).",
      'The [schema](src/config.ts) stays.',
    ].join('\n'),
  );
});
