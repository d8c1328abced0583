// npm run copy-out, as a user would run it: each app copied to a folder outside the repository,
// then `npm install` from the registry, `npm run typecheck`, `npm test`, `npm run build` and
// `node dist/main.js --version` there. Every test file the command said it took must have run
// and passed. Then the copy's own Dockerfile builds on the engine, and its image runs read-only,
// as its numeric user, without dev dependencies, like the images of this repository.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@pod-patterns/testing';
import { APPS, appVersion, docker, engineMissing, type Finished, repoRoot, run } from './engine.js';

const HARDENED = ['--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];
const reporter = new URL('test-files-reporter.mjs', import.meta.url).pathname;
const NPM_ENV = {
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  // node:test sets this in the process of each test file. The copy's own `node --test` would take
  // it to mean it runs inside this one, and skip every file while exiting 0.
  NODE_TEST_CONTEXT: undefined,
};
const npm = (dir: string, ...args: string[]) => run(['npm', ...args], NPM_ENV, dir);
const ok = (step: string, done: Finished) => assert.equal(done.code, 0, `${step} failed:\n${done.output.slice(-4000)}`);

/** Each app's copy, once its npm steps have passed: the image test builds from it. */
const copies = new Map<string, string>();

for (const app of APPS) {
  test(`${app}, copied out: installs from the registry, type-checks, runs every test file it took, builds, --version`, async (t) => {
    const parent = tempDir(`copy-out-${app}-`);
    chmodSync(parent, 0o755); // git-sync's --add-user test runs the copy's node as another uid
    const destination = join(parent, app);
    assert.ok(relative(repoRoot, destination).startsWith('..'), 'the copy is outside the repository');
    const copied = await run(['node', '--import', 'tsx', 'packages/copy-out/src/main.ts', app, destination]);
    ok('copy-out', copied);
    const said = /took (\d+) test files, left (\d+)/.exec(copied.output);
    assert.ok(said, copied.output);
    const taken = Number(said[1]);

    ok('npm install', await npm(destination, 'install'));
    ok('npm run typecheck', await npm(destination, 'run', 'typecheck'));
    const results = join(destination, 'test-files.ndjson');
    const tested = await npm(
      destination,
      'test',
      '--',
      `--test-reporter=${reporter}`,
      `--test-reporter-destination=${results}`,
    );
    ok('npm test', tested);
    const ran = readFileSync(results, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { file: string; passed: boolean; skipped: boolean });
    const files = new Set(ran.map((r) => relative(destination, r.file)));
    assert.equal(
      files.size,
      taken,
      `the command said it took ${taken} test files; tests ran from ${[...files].join(', ')}`,
    );
    assert.ok(
      ran.every((r) => r.passed),
      'every test passed',
    );
    t.diagnostic(
      `${app}: ${ran.length} tests from ${files.size} files ran in the copy (${ran.filter((r) => r.skipped).length} skipped)`,
    );

    ok('npm run build', await npm(destination, 'run', 'build'));
    const version = await run(['node', 'dist/main.js', '--version'], {}, destination);
    ok('--version', version);
    assert.equal(version.output.trim(), appVersion(app));

    copies.set(app, destination);
  });

  test(`${app}, copied out: its own Dockerfile builds, and the image runs read-only as its numeric user, without dev dependencies`, {
    skip: engineMissing,
  }, async () => {
    const destination = copies.get(app);
    assert.ok(destination, 'the copy installed, tested and built (the test before this one)');
    const image = `pod-patterns-copy-out-test/${app}:${appVersion(app)}`;
    // --network host: the engine's default build network reaches no package registry here.
    ok('docker build', await run(['docker', 'build', '--network', 'host', '-t', image, '.'], {}, destination));
    try {
      const user = docker('image', 'inspect', '--format', '{{.Config.User}}', image).trim();
      assert.match(user, /^[1-9]\d*:\d+$/, 'USER is numeric and not root');
      assert.equal(docker('run', '--rm', ...HARDENED, image, '--version').trim(), appVersion(app));
      const modules = docker(
        'run',
        '--rm',
        ...HARDENED,
        '--entrypoint',
        'sh',
        image,
        '-c',
        'ls node_modules node_modules/@types 2>/dev/null; true',
      );
      for (const dev of ['typescript', 'tsx', 'esbuild', 'node'])
        assert.doesNotMatch(modules, new RegExp(`^${dev}$`, 'm'), `the runner holds the dev dependency ${dev}`);
    } finally {
      docker('image', 'rm', '-f', image);
    }
  });
}
