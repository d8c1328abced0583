import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { envTable } from '@pod-patterns/kit';
import { envSchema } from '../src/config.js';
import { EXIT } from '../src/exit-codes.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('the README env table is the one the schema prints (npm run docs regenerates it)', () => {
  assert.ok(readme.includes(envTable(envSchema)), 'README table differs from src/config.ts; run npm run docs');
});

test('the README documents every exit code', () => {
  for (const [kind, code] of Object.entries(EXIT)) {
    assert.match(readme, new RegExp(`\\| ${code} \\|`), `exit code ${code} (${kind}) is documented`);
  }
});
