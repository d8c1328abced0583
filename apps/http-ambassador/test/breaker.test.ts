// The breaker and the retry budget on a fake clock: the rules that the process tests reach only
// slowly (a failure share over a window, the window moving on).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Breaker } from '../src/breaker.js';
import { RetryBudget } from '../src/retry-budget.js';

test('the failure share opens the circuit only with enough requests in the window, and old ones age out', () => {
  let now = 1_000_000;
  const transitions: string[] = [];
  const breaker = new Breaker({
    consecutiveFailures: 100,
    failurePercent: 50,
    minRequests: 10,
    windowMs: 10_000,
    cooldownMs: 5000,
    now: () => now,
    onTransition: (to) => transitions.push(to),
  });
  // 9 requests, 5 failing, interleaved: over 50% but under the minimum count.
  for (let i = 0; i < 9; i++) breaker.record(i % 2 === 0);
  assert.equal(breaker.state, 'closed');
  // Eleven seconds on, those have aged out: ten more with four failures stay under 50%.
  now += 11_000;
  for (let i = 0; i < 10; i++) breaker.record(i < 4);
  assert.equal(breaker.state, 'closed');
  breaker.record(true); // 5 of 11
  assert.equal(breaker.state, 'closed');
  breaker.record(true); // 6 of 12: 50%
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.tryAcquire(), false);
  assert.equal(breaker.retryAfterMs, 5000);
  now += 5000;
  assert.equal(breaker.tryAcquire(), true, 'half-open: one trial');
  assert.equal(breaker.tryAcquire(), false, 'only one at a time');
  breaker.record(false);
  assert.deepEqual(transitions, ['open', 'half_open', 'closed']);
  assert.equal(breaker.tryAcquire(), true);
});

test('the retry budget allows its share of recent requests, never below its floor', () => {
  let now = 0;
  const budget = new RetryBudget(20, 10_000, 3, () => now);
  const granted = () => {
    let n = 0;
    while (budget.tryRetry()) n++;
    return n;
  };
  assert.equal(granted(), 3, 'the floor, with no requests at all');
  for (let i = 0; i < 100; i++) budget.request();
  assert.equal(granted(), 17, '20% of 100, less the 3 already taken');
  now += 10_500;
  assert.equal(granted(), 3, 'a window later, only the floor again');
});
