import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Deque } from '../src/deque.js';

test('deque: first in, first out (and unshift to the front) across wrap-around and growth, checked against an array', () => {
  const deque = new Deque<number>();
  const model: number[] = [];
  let next = 0;
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let step = 0; step < 20_000; step++) {
    // Bursts of pushes and shifts, so the ring wraps at every size it grows through.
    const r = random();
    if (r < 0.05) {
      deque.unshift(next); // to the front, as AUTH goes ahead of queued requests
      model.unshift(next++);
    } else if (r < (step % 2000 < 1000 ? 0.6 : 0.4)) {
      deque.push(next);
      model.push(next++);
    } else {
      assert.equal(deque.shift(), model.shift());
    }
    assert.equal(deque.length, model.length);
    assert.equal(deque.peek(), model[0]);
  }
  assert.deepEqual(deque.drain(), model);
  assert.equal(deque.length, 0);
  assert.equal(deque.shift(), undefined);
  assert.equal(deque.peek(), undefined);
});
