// startRedis' restart on the same port, which tests of a shard going down and coming back rely on.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { startRedis } from '../src/redis.js';

test('start() again waits out another process holding the port for a moment, then serves on it', async () => {
  const redis = await startRedis();
  await redis.stop();
  // Someone else takes the port while the server is down, and gives it back 600 ms later.
  const squatter = createServer().listen(redis.port, '127.0.0.1');
  await new Promise((resolve) => squatter.once('listening', resolve));
  setTimeout(() => squatter.close(), 600);
  const started = Date.now();
  try {
    await redis.start();
    assert.ok(Date.now() - started >= 500, 'it waited for the port to come free');
  } finally {
    await redis.stop();
  }
});

test('start() still fails, and says why, when redis-server cannot start for another reason', async () => {
  await assert.rejects(startRedis({ args: ['--no-such-option', 'x'] }), /redis-server exited \(1\).*no-such-option/s);
});
