#!/usr/bin/env node
// `npm test`: every package's tests through turbo (cached when nothing changed), then one
// closing line that adds up the runner's own counts: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2); // passed on to turbo, such as --force or --filter=...
const env = { TURBO_TELEMETRY_DISABLED: '1', ...process.env };

// The packages whose tests this run will run, as turbo plans it (a --filter narrows it): each of
// them must leave its results, and only theirs are counted.
const plan = spawnSync('npx', ['turbo', 'run', 'test', '--dry=json', ...args], { cwd: root, env, encoding: 'utf8' });
if (plan.status !== 0) {
  console.error(`turbo could not plan the test run:\n${plan.stderr}`);
  process.exit(1);
}
const tested = JSON.parse(plan.stdout)
  .tasks.filter((t) => t.task === 'test' && t.command !== '<NONEXISTENT>')
  .map((t) => join(root, t.directory));

// A results file left over from an earlier run must never be counted as this run's.
for (const dir of tested) rmSync(join(dir, 'test-results.tap'), { force: true });

const turbo = spawnSync('npx', ['turbo', 'run', 'test', '--continue', ...args], { cwd: root, stdio: 'inherit', env });

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
