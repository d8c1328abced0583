#!/usr/bin/env node
// `npm test`: every package's tests through turbo (cached when nothing changed), then one
// closing line that adds up the runner's own counts: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

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
const failures = [];
for (const dir of tested) {
  const file = join(dir, 'test-results.tap');
  if (!existsSync(file)) {
    missing.push(dir.slice(root.length));
    continue;
  }
  const tap = readFileSync(file, 'utf8');
  if (!/^# pass \d+$/m.test(tap)) {
    missing.push(`${dir.slice(root.length)} (its TAP file ends before the counts)`);
    continue;
  }
  const count = (key) => Number(tap.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
  passed += count('pass');
  failed += count('fail') + count('cancelled');
  failures.push(...failedTests(tap).map((f) => `${dir.slice(root.length)}: ${f}`));
}
// Named again at the end, where a CI log's tail shows them: a bare count says nothing of why.
for (const failure of failures) console.log(`failed: ${failure}`);
if (missing.length > 0) console.error(`no test results from: ${missing.join(', ')}`);
if (passed + failed === 0) console.error('no test ran');
console.log(`${passed} passed, ${failed} failed`);
const ok = turbo.status === 0 && failed === 0 && missing.length === 0 && passed > 0;
process.exit(ok ? 0 : 1);

/**
 * Each failed top-level test in a TAP file, as "name (file:line): first line of the error". A
 * subtest's lines are indented, so `^not ok` finds the tests a file declares; the YAML block
 * after it carries node's diagnostics.
 */
function failedTests(tap) {
  const blocks = [...tap.matchAll(/^not ok \d+ - (.*)\n {2}---\n([\s\S]*?)\n {2}\.\.\.$/gm)];
  return blocks.map(([, name, block]) => {
    let details = {};
    try {
      details = parse(block.replace(/^ {2}/gm, '')) ?? {};
    } catch {}
    const error = String(details.error ?? 'no error text').split('\n')[0];
    const where = String(details.location ?? 'no location').replace(root, '');
    return `${name} (${where}): ${error}`;
  });
}
