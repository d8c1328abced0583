import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { BodyTooLargeError, readBoundedBody } from '../src/bounded-body.js';

const chunks = (...sizes: number[]) => Readable.from(sizes.map((size) => Buffer.alloc(size, 'a')));

test('readBoundedBody: a body within the limit arrives whole; one over it is refused and destroyed', async () => {
  assert.equal((await readBoundedBody(chunks(400, 600), 1000)).length, 1000);

  const streamed = chunks(600, 600, 600);
  await assert.rejects(readBoundedBody(streamed, 1000), {
    name: 'BodyTooLargeError',
    message: 'the body goes past the limit of 1000 bytes',
  });
  assert.ok(streamed.destroyed, 'the rest is never read');

  const declared = chunks(10);
  await assert.rejects(readBoundedBody(declared, 1000, { contentLength: '5000' }), BodyTooLargeError);
  assert.ok(declared.destroyed, 'refused before a byte is read');
  assert.equal(declared.readableDidRead, false);
});

test('readBoundedBody: a server drains a body over the limit instead, so its sender can read the answer', async () => {
  const body = chunks(600, 600, 600);
  await assert.rejects(readBoundedBody(body, 1000, { overLimit: 'drain' }), BodyTooLargeError);
  assert.equal(body.destroyed, false);
  await new Promise((resolve) => body.once('end', resolve)); // read to its end, and dropped
});

test("readBoundedBody: the stream's own error is thrown as it is", async () => {
  const broken = new Readable({ read() {} });
  setImmediate(() => broken.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
  await assert.rejects(readBoundedBody(broken, 1000), { code: 'ECONNRESET' });
});
