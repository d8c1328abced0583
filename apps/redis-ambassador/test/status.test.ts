// The status document web's /_pod draws the Redis ambassador from (README, "Status document"):
// its key -> server map is checked against where the keys really land, on real redis-servers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestRedis } from '@pod-patterns/testing';
import { type Ambassador, RawClient, serverList, startAmbassador, startShards, withRedis } from './helpers.js';

interface Status {
  sharded: boolean;
  servers: { name: string; address: string; state: string; commands: number; last_failure: unknown }[];
  keys: Record<string, string | null>;
}

let shards: TestRedis[];
let ambassador: Ambassador;
before(async () => {
  shards = await startShards(2);
  ambassador = await startAmbassador({ REDIS_SERVERS: serverList(shards), SERVER_TIMEOUT: '500ms' });
});
after(async () => {
  ambassador.kill();
  for (const s of shards) await s.stop();
});

const status = async (query = ''): Promise<Status> =>
  (await (await fetch(`http://127.0.0.1:${ambassador.opsPort}/status${query}`)).json()) as Status;

test('/status maps each key asked for to the server that really holds it, and counts the commands each got', async () => {
  const keys = Array.from({ length: 12 }, (_, i) => `visits:page:/p${i}`);
  const client = await RawClient.open(ambassador.port);
  for (const key of keys) assert.equal(await client.command('INCR', key), ':1\r\n');
  client.socket.destroy();

  const doc = await status(`?${keys.map((k) => `key=${encodeURIComponent(k)}`).join('&')}`);
  assert.equal(doc.sharded, true);
  assert.deepEqual(
    doc.servers.map((s) => [s.name, s.address, s.state]),
    shards.map((s, i) => [`s${i}`, `127.0.0.1:${s.port}`, 'ok']),
  );
  const held: Record<string, number> = { s0: 0, s1: 0 };
  for (const key of keys) {
    const owners = [];
    for (const [i, shard] of shards.entries()) {
      if (await withRedis({ port: shard.port }, (direct) => direct.exists(key))) owners.push(`s${i}`);
    }
    assert.deepEqual(owners, [doc.keys[key]], `${key} is where /status says`);
    held[owners[0] as string] = (held[owners[0] as string] ?? 0) + 1;
  }
  assert.ok(held.s0 && held.s1, 'the keys cover both servers');
  for (const server of doc.servers) assert.equal(server.commands, held[server.name], `${server.name}'s commands`);
});

test('/status: a stopped server turns failing with its reason; only its keys fail', async () => {
  await shards[1]?.stop();
  try {
    const first = await status(`?${Array.from({ length: 32 }, (_, i) => `key=k${i}`).join('&')}`);
    const onStopped = Object.keys(first.keys).find((k) => first.keys[k] === 's1') as string;
    const onLive = Object.keys(first.keys).find((k) => first.keys[k] === 's0') as string;
    const client = await RawClient.open(ambassador.port);
    assert.match(await client.command('GET', onStopped), /^-/);
    assert.equal(await client.command('SET', onLive, 'x'), '+OK\r\n');
    client.socket.destroy();
    const doc = await status();
    const [s0, s1] = doc.servers;
    assert.equal(s0?.state, 'ok');
    assert.equal(s1?.state, 'failing');
    assert.match(JSON.stringify(s1?.last_failure), /"reason":"[^"]+"/);
  } finally {
    await shards[1]?.start();
  }
});

test('/status ignores empty and oversized keys, and takes at most 32', async () => {
  const many = Array.from({ length: 40 }, (_, i) => `key=k${i}`).join('&');
  const doc = await status(`?key=&key=${'x'.repeat(600)}&${many}`);
  assert.equal(Object.keys(doc.keys).length, 32);
  assert.equal(doc.keys[''], undefined);
});
