// The faults npm run demo takes from its terminal, on the real outside systems: each toggles.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { after, test } from 'node:test';
import { Faults } from '../src/faults.js';
import { startOutside } from '../src/outside.js';
import { noRedis } from './helpers.js';

const outside = await startOutside();
after(() => outside.stop());
const faults = new Faults(outside);

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      resolve(true);
      socket.destroy();
    });
    socket.once('error', () => resolve(false));
  });

test('redis-1 stops that shard and starts it again; redis-0 is untouched', { skip: noRedis }, async () => {
  const [s0, s1] = outside.redis;
  assert.match(await faults.run('redis-1'), /redis-1 stopped/);
  assert.equal(await accepts(s1?.port ?? 0), false);
  assert.equal(await accepts(s0?.port ?? 0), true);
  assert.match(await faults.run(' redis-1 '), /redis-1 started again/);
  assert.equal(await accepts(s1?.port ?? 0), true);
  assert.match(await faults.run('redis-7'), /no such shard/);
});

test('config-api stops and starts the API; upstream turns its answers to 500 and back', async () => {
  const status = async () => (await fetch(outside.configApi.url).catch(() => undefined))?.status;
  assert.equal(await status(), 200);
  assert.match(await faults.run('upstream'), /now answers 500/);
  assert.equal(await status(), 500);
  assert.match(await faults.run('upstream'), /normally again/);
  assert.match(await faults.run('config-api'), /config-api stopped/);
  assert.equal(await status(), undefined);
  assert.match(await faults.run('config-api'), /started again/);
  assert.equal(await status(), 200);
});

/** Takes a port, as another process's connection can while a system is down; `close` gives it back. */
async function squat(port: number) {
  const squatter = createServer().listen(port, '127.0.0.1');
  await once(squatter, 'listening');
  return { close: () => new Promise((resolve) => squatter.close(resolve)) };
}

test('a restart waits out a port taken for a moment; a port taken for good is said, and the system stays stopped', async () => {
  const port = Number(new URL(outside.configApi.url).port);
  assert.match(await faults.run('config-api'), /config-api stopped/);
  const brief = await squat(port);
  setTimeout(brief.close, 600);
  assert.match(await faults.run('config-api'), /started again/, 'once the port came free');

  assert.match(await faults.run('config-api'), /config-api stopped/);
  const held = await squat(port);
  try {
    await assert.rejects(faults.run('config-api'), /EADDRINUSE/);
  } finally {
    await held.close();
  }
  assert.match(await faults.run('config-api'), /started again/, 'still stopped, so the command starts it');
  assert.equal((await fetch(outside.configApi.url)).status, 200);
});

test('a shard restart waits out its port taken for a moment', { skip: noRedis }, async () => {
  const shard = outside.redis[0];
  assert.match(await faults.run('redis-0'), /redis-0 stopped/);
  const brief = await squat(shard?.port ?? 0);
  setTimeout(brief.close, 600);
  assert.match(await faults.run('redis-0'), /redis-0 started again/);
  assert.equal(await accepts(shard?.port ?? 0), true);
});

test('anything else gets the list of faults', async () => {
  assert.match(await faults.run('rm -rf /'), /unknown; type a fault and Enter: redis-0 or redis-1/);
  assert.match(await faults.run('help'), /^type a fault/);
  assert.equal(await faults.run('  '), '');
});
