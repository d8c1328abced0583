import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startRedis, type TestRedis, waitFor } from '@pod-patterns/testing';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { type Ambassador, RawClient, startAmbassador, withRedis } from './helpers.js';

const run = promisify(execFile);
let redis: TestRedis;
let ambassador: Ambassador;
before(async () => {
  redis = await startRedis();
  ambassador = await startAmbassador({ REDIS_SERVERS: `127.0.0.1:${redis.port}:1` });
});
after(async () => {
  ambassador.kill();
  await redis.stop();
});

test('redis-cli works unchanged', async () => {
  const cli = (...args: string[]) =>
    run('redis-cli', ['-p', String(ambassador.port), ...args]).then((r) => r.stdout.trim());
  assert.equal(await cli('PING'), 'PONG');
  assert.equal(await cli('SET', 'cli:k', 'v'), 'OK');
  assert.equal(await cli('GET', 'cli:k'), 'v');
  assert.equal(await cli('FLUSHALL'), 'ERR FLUSHALL is not allowed through the ambassador');
});

test('node-redis works unchanged, including MULTI/EXEC', async () => {
  const client = createClient({ url: `redis://127.0.0.1:${ambassador.port}` });
  await client.connect();
  try {
    await client.set('nr:k', '1');
    assert.equal(await client.incr('nr:k'), 2);
    const results = await client.multi().incr('nr:k').get('nr:k').exec();
    assert.deepEqual(results, [3, '3']);
  } finally {
    await client.quit();
  }
});

test('ioredis works unchanged, with its ready check, pipelines and WATCH', async () => {
  const client = new Redis({ port: ambassador.port });
  try {
    const results = await client.pipeline().set('io:a', '1').incr('io:a').get('io:a').exec();
    assert.deepEqual(
      results?.map(([e, v]) => [e, v]),
      [
        [null, 'OK'],
        [null, 2],
        [null, '2'],
      ],
    );
    await client.watch('io:a');
    const exec = await client.multi().set('io:a', 'x').exec();
    assert.deepEqual(exec, [[null, 'OK']]);
  } finally {
    client.disconnect();
  }
});

test('a blocking command waits on a connection of its own, without holding other clients up', async () => {
  const blocked = new Redis({ port: ambassador.port });
  const other = new Redis({ port: ambassador.port });
  try {
    const popped = blocked.blpop('queue', 5);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    assert.equal(await other.set('free', '1'), 'OK');
    assert.ok(Date.now() - started < 200, 'other clients are not blocked');
    await other.rpush('queue', 'job-1');
    assert.deepEqual(await popped, ['queue', 'job-1']);
  } finally {
    blocked.disconnect();
    other.disconnect();
  }
});

test('pub/sub passes through on a connection of its own', async () => {
  const subscriber = new Redis({ port: ambassador.port });
  const publisher = new Redis({ port: ambassador.port });
  try {
    const received = new Promise<string>((resolve) =>
      subscriber.on('message', (_channel, message) => resolve(message)),
    );
    await subscriber.subscribe('news');
    await waitFor(async () => (await publisher.publish('news', 'hello')) === 1, 15_000, 'subscribed');
    assert.equal(await received, 'hello');
  } finally {
    subscriber.disconnect();
    publisher.disconnect();
  }
});

test("twemproxy's weak spots: an unsupported command, an inline command, a denied one; the connection and earlier replies survive", async () => {
  const raw = await RawClient.open(ambassador.port);
  try {
    raw.send(['SET', 'w:a', '1'], ['CONFIG', 'GET', 'maxmemory'], ['CLIENT', 'KILL', 'ID', '1'], ['GET', 'w:a']);
    raw.write('GET w:a\r\n');
    assert.deepEqual(await raw.read(5), [
      '+OK\r\n',
      '-ERR CONFIG is not allowed through the ambassador\r\n',
      '-ERR CLIENT KILL is not supported through the ambassador\r\n',
      '$1\r\n1\r\n',
      '$1\r\n1\r\n',
    ]);
    assert.equal(raw.closed, false);
  } finally {
    raw.close();
  }
});

test('local commands: PING, ECHO, SELECT 0, COMMAND, CLIENT SETNAME, INFO', async () => {
  const raw = await RawClient.open(ambassador.port);
  try {
    raw.send(
      ['PING'],
      ['ECHO', 'hi'],
      ['SELECT', '0'],
      ['SELECT', '3'],
      ['COMMAND'],
      ['CLIENT', 'SETNAME', 'me'],
      ['CLIENT', 'GETNAME'],
      ['QUIT'],
    );
    const replies = await raw.read(8);
    assert.deepEqual(replies.slice(0, 7), [
      '+PONG\r\n',
      '$2\r\nhi\r\n',
      '+OK\r\n',
      '-ERR only database 0 is available through the ambassador\r\n',
      '*0\r\n',
      '+OK\r\n',
      '$2\r\nme\r\n',
    ]);
    assert.equal(replies[7], '+OK\r\n');
    await waitFor(() => raw.closed, 15_000, 'QUIT closes');
  } finally {
    raw.close();
  }
  const info = await withRedis({ port: ambassador.port }, (client) => client.info());
  assert.match(info, /# Ambassador\r\nservers:1\r\nsharded:0/);
});

test('malformed RESP gets a protocol error and the connection is closed; the process lives on', async () => {
  const raw = await RawClient.open(ambassador.port);
  raw.write('*2\r\n$3\r\nGET\r\n:5\r\n');
  assert.match((await raw.read(1))[0] as string, /^-ERR Protocol error: expected '\$'/);
  await waitFor(() => raw.closed, 15_000, 'closed');
  const again = await RawClient.open(ambassador.port);
  assert.equal(await again.command('PING'), '+PONG\r\n');
  again.close();
});

test('commands before malformed bytes in the same read are answered first, then the protocol error', async () => {
  const raw = await RawClient.open(ambassador.port);
  raw.write('*3\r\n$3\r\nSET\r\n$9\r\nbefore:pe\r\n$2\r\nok\r\n*2\r\n$3\r\nGET\r\n$9\r\nbefore:pe\r\n*1\r\n:5\r\n');
  const replies = await raw.read(3);
  assert.deepEqual(replies.slice(0, 2), ['+OK\r\n', '$2\r\nok\r\n']);
  assert.match(replies[2] as string, /^-ERR Protocol error: expected '\$'/);
  await waitFor(() => raw.closed, 15_000, 'closed');
});
