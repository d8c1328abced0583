import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rateLimited } from '../src/rate-limited.js';

test('rateLimited lets one call through per interval, with the count it held back', () => {
  let now = 1_000;
  const logged: [number, string][] = [];
  const warn = rateLimited(
    5000,
    (suppressed, what: string) => logged.push([suppressed, what]),
    () => now,
  );
  warn('first'); // the first call always goes through
  warn('held');
  now += 4999;
  warn('held');
  now += 1;
  warn('after the interval');
  now += 60_000;
  warn('much later');
  assert.deepEqual(logged, [
    [0, 'first'],
    [2, 'after the interval'],
    [0, 'much later'],
  ]);
});
