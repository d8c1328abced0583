#!/usr/bin/env node
// Runs one package's tests with Node's own runner. Node 20 does not expand globs in
// `--test` arguments, so the test files are listed here. A TAP copy of the results goes to
// test-results.tap, for whatever adds counts up across projects (and a build cache to keep).
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

// Arguments: test files to run (all of test/ by default) and node --test flags. A package whose
// files mostly wait on child processes (git, servers) passes --test-concurrency=2: node's default
// on 2 cores is one file at a time, and that package was the suite's longest path.
const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
// A test that hangs must fail, not stall CI until its hard limit. On Node 20 the timeout is per
// test file, so it also ends a file whose tests are done but whose handles (a client still
// reconnecting after a failed assertion skipped its cleanup) would keep it open for ever. Node 22
// and later time each test instead, and --test-force-exit ends such a file; on Node 20 that flag
// would cut the TAP file short. A package whose files build images passes a longer timeout.
if (!flags.some((arg) => arg.startsWith('--test-timeout'))) flags.push('--test-timeout=600000');
if (Number(process.versions.node.split('.')[0]) >= 22) flags.push('--test-force-exit');
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const files = only.length > 0 ? only : testFiles('test').sort();
rmSync('test-results.tap', { force: true });
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    ...flags,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    '--test-reporter-destination=test-results.tap',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
