import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type TestRedis, waitFor } from '@pod-patterns/testing';
import { Redis } from 'ioredis';
import { ketama } from '../src/hashing/distribution.js';
import { fnv1a64 } from '../src/hashing/hash.js';
import { type Ambassador, RawClient, serverList, startAmbassador, startShards, withRedis } from './helpers.js';

let shards: TestRedis[];
let ambassador: Ambassador;
before(async () => {
  shards = await startShards(3);
  ambassador = await startAmbassador({
    REDIS_SERVERS: serverList(shards),
    SERVER_TIMEOUT: '500ms',
    AMBASSADOR_ALLOW_SCRIPTING: 'true', // SCRIPT KILL is refused for sharding here, not for the policy
  });
});
after(async () => {
  ambassador.kill();
  for (const s of shards) await s.stop();
});

/** Keys that cover all three servers: fnv1a_64 (as twemproxy's) spreads short, similar keys unevenly. */
function spreadKeys(prefix: string, n: number): string[] {
  const ring = ketama(['s0', 's1', 's2'].map((name) => ({ name, weight: 1 })));
  const keys: string[] = [];
  for (let i = 0; keys.length < n; i++) {
    const key = `${prefix}:${i}:${(i * 7919) % 1000}`;
    if (ring(fnv1a64(Buffer.from(key))) === keys.length % 3) keys.push(key);
  }
  return keys;
}

async function owner(key: string): Promise<number> {
  for (const [i, shard] of shards.entries()) {
    if (await withRedis({ port: shard.port }, (direct) => direct.exists(key))) return i;
  }
  return -1;
}

test('keys spread over the three servers; a pipeline across them comes back in order', async () => {
  const raw = await RawClient.open(ambassador.port);
  try {
    const keys = spreadKeys('p', 60);
    raw.send(...keys.map((k, i) => ['SET', k, String(i)]));
    assert.deepEqual(await raw.read(60), Array(60).fill('+OK\r\n'));
    raw.send(...keys.map((k) => ['GET', k]));
    assert.deepEqual(
      await raw.read(60),
      keys.map((_, i) => `$${String(i).length}\r\n${i}\r\n`),
    );
    assert.deepEqual(await Promise.all(keys.slice(0, 6).map(owner)), [0, 1, 2, 0, 1, 2], 'placed as the ring says');
  } finally {
    raw.close();
  }
});

test('MGET, MSET, DEL, EXISTS across servers are split and merged in key order', async () => {
  const client = new Redis({ port: ambassador.port });
  try {
    const keys = spreadKeys('m', 12);
    assert.equal(await client.mset(Object.fromEntries(keys.map((k, i) => [k, `v${i}`]))), 'OK');
    assert.deepEqual(await client.mget(...keys, 'm:missing'), [...keys.map((_, i) => `v${i}`), null]);
    assert.equal(await client.exists(...keys, 'm:missing'), 12);
    assert.equal(await client.del(...keys.slice(0, 5)), 5);
    assert.equal(await client.exists(...keys), 7);
  } finally {
    client.disconnect();
  }
});

test('hash tags keep keys together; commands that cannot work sharded are refused clearly', async () => {
  const client = new Redis({ port: ambassador.port });
  try {
    await client.set('{user1}:name', 'a');
    await client.set('{user1}:mail', 'b');
    assert.equal(await owner('{user1}:name'), await owner('{user1}:mail'));
    assert.equal(await client.rename('{user1}:name', '{user1}:alias'), 'OK');
    for (const [command, ...args] of [
      ['keys', '*'],
      ['scan', '0'],
      ['multi'],
      ['blpop', 'q', '1'],
      ['subscribe', 'c'],
      ['unsubscribe', 'c', 'd'],
      ['punsubscribe', 'c*', 'd*'],
      ['script', 'kill'],
      ['dbsize'],
    ] as [string, ...string[]][]) {
      await assert.rejects(client.call(command, ...args), /not supported when sharded across 3 servers/, command);
    }
    const spread = spreadKeys('r', 5);
    const owners = await Promise.all(
      spread.map(async (k) => {
        await client.set(k, '1');
        return owner(k);
      }),
    );
    const a = spread[0] as string;
    const b = spread[owners.findIndex((o) => o !== owners[0])] as string;
    await assert.rejects(
      client.rename(a, b),
      /across keys on different servers is not supported when sharded; use a hash tag/,
    );
  } finally {
    client.disconnect();
  }
});

test('INFO when sharded says only what is true of the ambassador as a whole', async () => {
  const raw = await RawClient.open(ambassador.port);
  try {
    const info = await raw.command('INFO');
    assert.match(info, /\r\nblocked_clients:0\r\n/, 'blocking commands are refused when sharded');
    assert.match(info, /\r\nconnected_clients:\d+\r\n/);
    assert.match(info, /\r\n# Ambassador\r\nservers:3\r\nsharded:1\r\n/);
    assert.doesNotMatch(info, /mem_allocator|used_memory|loading:/, "no one server's figures");
  } finally {
    raw.close();
  }
});

test('a dead shard: only its keys fail, in order, nothing mixed up; it comes back and is used again', async () => {
  const keys = spreadKeys('d', 30);
  await withRedis({ port: ambassador.port }, (setup) => setup.mset(Object.fromEntries(keys.map((k) => [k, k]))));
  const owners = await Promise.all(keys.map(owner));
  assert.equal(owners.filter((o) => o === 1).length, 10, 'ten keys on the shard that dies');
  const victim = shards[1] as TestRedis;
  await victim.stop();

  const raw = await RawClient.open(ambassador.port);
  try {
    for (let round = 0; round < 3; round++) {
      raw.send(...keys.map((k) => ['GET', k]));
      const replies = await raw.read(keys.length);
      replies.forEach((reply, i) => {
        if (owners[i] === 1) assert.equal(reply, '-ERR backend s1 unavailable\r\n', `${keys[i]} on the dead shard`);
        else
          assert.equal(
            reply,
            `$${(keys[i] as string).length}\r\n${keys[i]}\r\n`,
            `${keys[i]} answered with its own value`,
          );
      });
    }
    raw.send(['MGET', ...keys]);
    assert.equal(
      (await raw.read(1))[0],
      '-ERR backend s1 unavailable\r\n',
      'an MGET spanning the dead shard gets an error, not a closed connection',
    );
    assert.equal(raw.closed, false);

    await victim.start();
    const onVictim = keys.find((_, i) => owners[i] === 1) as string;
    await waitFor(
      async () => (await raw.command('SET', onVictim, 'back')) === '+OK\r\n',
      15_000,
      'the shard is used again',
    );
    assert.equal(await owner(onVictim), 1);
  } finally {
    raw.close();
  }
  const metrics = await (await fetch(`http://127.0.0.1:${ambassador.opsPort}/metrics`)).text();
  assert.match(metrics, /redis_ambassador_errors_total\{kind="unavailable"\} [1-9]/);
  assert.match(metrics, /redis_ambassador_commands_total\{command="GET",server="s0"\} [1-9]/);
  assert.match(metrics, /redis_ambassador_request_duration_seconds_count\{server="s2"\} [1-9]/);
});

test('with AUTO_EJECT_HOSTS a dead server leaves the ring: its keys move, nothing errors after the limit', async () => {
  const eject = await startAmbassador({
    REDIS_SERVERS: serverList(shards),
    AUTO_EJECT_HOSTS: 'true',
    SERVER_FAILURE_LIMIT: '1',
    SERVER_RETRY_TIMEOUT: '30s',
  });
  const victim = shards[2] as TestRedis;
  await victim.stop();
  const raw = await RawClient.open(eject.port);
  try {
    const keys = spreadKeys('e', 30);
    raw.send(...keys.map((k) => ['SET', k, '1']));
    await raw.read(keys.length); // the first hits on s2 fail and eject it
    await eject.waitForLog('server ejected');
    raw.send(...keys.map((k) => ['SET', k, '2']));
    assert.deepEqual(await raw.read(keys.length), Array(keys.length).fill('+OK\r\n'));
    const metrics = await (await fetch(`http://127.0.0.1:${eject.opsPort}/metrics`)).text();
    assert.match(metrics, /redis_ambassador_server_ejections_total\{server="s2"\} 1/);
    assert.match(metrics, /redis_ambassador_server_ejected\{server="s2"\} 1/);
  } finally {
    raw.close();
    eject.kill();
    await victim.start();
  }
});
