import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { envTable } from '@pod-patterns/kit';
import { envSchema } from '../src/config.js';

test('the README env table is the one the schema prints', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  assert.ok(readme.includes(envTable(envSchema)), 'README table differs from src/config.ts; run npm run docs');
});
