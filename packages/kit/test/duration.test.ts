import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from '../src/duration.js';

test('parses Go-style durations', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('0'), 0);
});

test('refuses what is not a duration', () => {
  for (const bad of ['', '10', 's', '10x', '10s junk', '-1s', '1m 30s']) {
    assert.equal(parseDuration(bad), undefined, bad);
  }
});

test('formats back into the same notation', () => {
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(10_000), '10s');
  assert.equal(formatDuration(120_000), '2m');
  assert.equal(formatDuration(7_200_000), '2h');
});
