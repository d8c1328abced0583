#!/usr/bin/env node
// `npm test`: every package's tests through turbo (cached when nothing changed), then one
// closing line that adds up the runner's own counts: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packages = ['apps', 'packages'].flatMap((group) =>
  existsSync(join(root, group)) ? readdirSync(join(root, group)).map((name) => join(root, group, name)) : [],
);
const tested = packages.filter((dir) => {
  const manifest = join(dir, 'package.json');
  return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test;
});

// A results file left over from an earlier run must never be counted as this run's.
for (const dir of tested) rmSync(join(dir, 'test-results.tap'), { force: true });

const turbo = spawnSync('npx', ['turbo', 'run', 'test', '--continue', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env },
});

let passed = 0;
let failed = 0;
const missing = [];
for (const dir of tested) {
  const file = join(dir, 'test-results.tap');
  if (!existsSync(file)) {
    missing.push(dir.slice(root.length));
    continue;
  }
  const tap = readFileSync(file, 'utf8');
  const count = (key) => Number(tap.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
  passed += count('pass');
  failed += count('fail') + count('cancelled');
}
if (missing.length > 0) console.error(`no test results from: ${missing.join(', ')}`);
if (passed + failed === 0) console.error('no test ran');
console.log(`${passed} passed, ${failed} failed`);
const ok = turbo.status === 0 && failed === 0 && missing.length === 0 && passed > 0;
process.exit(ok ? 0 : 1);
