import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBackoff, parseRetryAfter } from '../src/backoff.js';

test('ceilings grow exponentially up to the cap', () => {
  const b = createBackoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
  const delays = Array.from({ length: 6 }, () => b.next());
  assert.deepEqual(delays, [99, 199, 399, 799, 999, 999]);
  assert.equal(b.attempt, 6);
  b.reset();
  assert.equal(b.next(), 99);
});

test('full jitter spreads delays over [0, ceiling)', () => {
  const b = createBackoff({ initialMs: 1000, maxMs: 1000 });
  const delays = Array.from({ length: 500 }, () => b.next() as number);
  assert.ok(delays.every((d) => d >= 0 && d < 1000));
  assert.ok(Math.min(...delays) < 200, 'some delays are short');
  assert.ok(Math.max(...delays) > 800, 'some delays are long');
});

test('no retry is handed out past the deadline', () => {
  let now = 0;
  const b = createBackoff({ initialMs: 100, maxMs: 100, deadline: 1000, random: () => 0.5, now: () => now });
  assert.equal(b.next(), 50);
  now = 940;
  assert.equal(b.next(), 50);
  now = 951;
  assert.equal(b.next(), undefined);
});

test('Retry-After is a floor, and still bounded by the deadline', () => {
  const b = createBackoff({ initialMs: 100, maxMs: 100, deadline: 5000, random: () => 0, now: () => 0 });
  assert.equal(b.next(3000), 3000);
  assert.equal(b.next(6000), undefined);
  assert.equal(b.next(0), 0);
});

test('parseRetryAfter reads seconds and HTTP dates', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2025 00:00:05 GMT', now), 0);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});
