import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { HOSTILE_REQUESTS, sendRaw, statusOf } from '@pod-patterns/testing';
import { createHttpServer, listen } from '../src/http.js';
import { startOpsServer } from '../src/ops-server.js';
import { Readiness } from '../src/readiness.js';

// Each server runs in this test's own process: a request that threw out of a handler would end
// the process, and with it the test run.
const ops = await startOpsServer({
  listen: { host: '127.0.0.1', port: 0 },
  readiness: new Readiness(() => false),
  routes: {
    '/throws': () => {
      throw new Error('a route that throws');
    },
    '/rejects': async () => {
      throw new Error('a route that rejects');
    },
  },
});
const plain = createHttpServer((req) => {
  if (req.url === '/throws') throw new Error('a handler that throws');
  new URL(req.url ?? '/', 'http://x'); // the parse that took every ops port down on `//`
  throw new Error('unreachable in these tests');
});
const plainAddress = await listen(plain, { host: '127.0.0.1', port: 0 });
after(async () => {
  await ops.close();
  plain.close();
});

test('GET // on an ops port answers 404, and the server still answers', async () => {
  const answer = await sendRaw('127.0.0.1', ops.address.port, 'GET // HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(statusOf(answer), 404);
  assert.equal((await fetch(`http://127.0.0.1:${ops.address.port}/healthz`)).status, 200);
});

test('a route that throws or rejects answers 500 and the server stays up', async () => {
  for (const path of ['/throws', '/rejects']) {
    const answer = await sendRaw('127.0.0.1', ops.address.port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(statusOf(answer), 500, path);
  }
  const answer = await sendRaw('127.0.0.1', plainAddress.port, 'GET // HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(statusOf(answer), 500, 'a URL parse that throws in a handler');
  assert.equal(statusOf(await sendRaw('127.0.0.1', plainAddress.port, 'GET /throws HTTP/1.1\r\nHost: x\r\n\r\n')), 500);
});

test('every hostile request gets a 4xx or a closed connection, never a crash', async () => {
  for (const { name, bytes } of HOSTILE_REQUESTS) {
    const status = statusOf(await sendRaw('127.0.0.1', ops.address.port, bytes));
    assert.ok(status === undefined || (status >= 400 && status < 500), `${name}: answered ${status}`);
  }
  assert.equal((await fetch(`http://127.0.0.1:${ops.address.port}/healthz`)).status, 200);
});

test('a header that is too large gets 431, and a malformed request line 400', async () => {
  const big = await sendRaw('127.0.0.1', ops.address.port, `GET / HTTP/1.1\r\nX: ${'a'.repeat(70_000)}\r\n\r\n`);
  assert.equal(statusOf(big), 431);
  assert.equal(statusOf(await sendRaw('127.0.0.1', ops.address.port, 'BREW / HTTP/1.1\r\n\r\n')), 400);
});
