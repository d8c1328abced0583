import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnNode } from '@pod-patterns/testing';
import express from 'express';
import { createExpressServer } from '../src/express-server.js';

const shapes = fileURLToPath(new URL('./fixtures/shapes.ts', import.meta.url));

async function hiddenClasses(server: 'express-server' | 'plain'): Promise<{ req: number; res: number }> {
  const run = spawnNode(shapes, [server], { nodeArgs: ['--allow-natives-syntax', '--import', 'tsx'] });
  assert.equal(await run.exited, 0, run.stderr());
  return JSON.parse(run.stdout());
}

test('requests handled by express keep one hidden class, so node:http code stays monomorphic', async () => {
  const plain = await hiddenClasses('plain');
  const ours = await hiddenClasses('express-server');
  // On Node 20 a plain server gives {req: 20, res: 20}: a class per request. Node 24 shares them anyway.
  assert.deepEqual(ours, { req: 1, res: 1 }, `a plain server gave ${JSON.stringify(plain)}`);
});

test('req and res arrive with express prototypes, and express works on them as before', async (t) => {
  const app = express();
  app.get('/items/:id', (req, res) => {
    res
      .status(201)
      .set('x-path', req.path)
      .json({ id: req.params.id, sameApp: req.app === app });
  });
  const arrived: boolean[] = [];
  const server = createExpressServer(app, (req, res) => {
    arrived.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
    app(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const found = await fetch(`${base}/items/7?x=1`);
  assert.equal(found.status, 201);
  assert.equal(found.headers.get('x-path'), '/items/7');
  assert.deepEqual(await found.json(), { id: '7', sameApp: true });
  const missing = await fetch(`${base}/nothing`);
  assert.equal(missing.status, 404, 'express final handler still answers');
  await missing.text();
  assert.deepEqual(arrived, [true, true]);
});
