import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { envTable } from '@pod-patterns/kit';
import { envSchema } from '../src/config.js';
import { FLAGS, UNSUPPORTED } from '../src/flags.js';

test('the README env table is the one the schema prints', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  assert.ok(readme.includes(envTable(envSchema)), 'README table differs from src/config.ts; run npm run docs');
});

test("the README's flag manual names every flag git-sync knows, supported or not", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const manual = readme.slice(readme.indexOf("## v4's flags, one by one"), readme.indexOf('## HTTP'));
  const rows = manual.split('\n').filter((line) => line.startsWith('| `-'));
  const missing = [...FLAGS.keys(), ...Object.keys(UNSUPPORTED)].filter((flag) => {
    const spelled = flag.length === 1 ? `\`-${flag}\`` : `\`--${flag}\``;
    // Grouped rows name families by their common part: --pre-publish-exechook-command, -timeout.
    const family = flag.replace(/-(timeout|backoff)$/, '').replace(/^github-.*/, 'github-app-*');
    return !rows.some((row) => row.includes(spelled) || row.includes(`\`--${family}`));
  });
  assert.deepEqual(missing, [], 'flags missing from the manual');
});
