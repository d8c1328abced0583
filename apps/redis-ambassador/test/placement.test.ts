import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestRedis } from '@pod-patterns/testing';
import { tempDir } from '@pod-patterns/testing';
import { DISTRIBUTIONS } from '../src/hashing/distribution.js';
import { HASHES } from '../src/hashing/hash.js';
import { serverList, startAmbassador, startNutcracker, startShards, withRedis } from './helpers.js';

const dir = tempDir('placement-');
let shards: TestRedis[];
const keys = Array.from({ length: 10_000 }, (_, i) =>
  i % 97 === 0 ? `{user${i % 13}}:k${i}` : i % 89 === 0 ? `clé-${i}-ü` : `key:${i}`,
);

before(async () => {
  shards = await startShards(3);
});
after(async () => {
  for (const s of shards) await s.stop();
});

async function placementBy(port: number): Promise<string[]> {
  // nutcracker closes the connection on ioredis' CLIENT SETINFO, so it is not sent
  const options = { port, lazyConnect: true, enableReadyCheck: false, disableClientInfo: true };
  const replies = await withRedis(options, async (writer) => {
    await writer.connect();
    return writer.pipeline(keys.map((key) => ['set', key, '1'])).exec();
  });
  const errors = replies?.filter(([error]) => error) ?? [];
  assert.deepEqual(errors.slice(0, 3), [], `every SET answered OK (${errors.length} errors)`);
  const owner: string[] = new Array(keys.length).fill('');
  for (const [index, shard] of shards.entries()) {
    const found = await withRedis({ port: shard.port }, async (direct) => {
      const exists = await direct.pipeline(keys.map((k) => ['exists', k])).exec();
      await direct.flushall();
      return exists;
    });
    found?.forEach(([, exists], i) => {
      if (exists === 1) owner[i] = `s${index}`;
    });
  }
  return owner;
}

for (const [hash, distribution, weights] of [
  ['fnv1a_64', 'ketama', [1, 1, 1]],
  ['fnv1a_64', 'ketama', [1, 2, 3]],
  ['md5', 'ketama', [1, 1, 1]],
  ['murmur', 'ketama', [2, 1, 1]],
  ['crc32', 'ketama', [1, 1, 1]],
  ['crc32a', 'modula', [1, 1, 2]],
] as const) {
  test(`${hash}/${distribution} weights ${weights.join(',')}: 10,000 keys land where nutcracker puts them`, async () => {
    const servers = serverList(shards, [...weights]);
    const nutcracker = await startNutcracker(dir, servers, { hash, distribution });
    let expected: string[];
    try {
      expected = await placementBy(nutcracker.port);
    } finally {
      await nutcracker.stop();
    }
    assert.ok(expected.every(Boolean), 'nutcracker placed every key');

    // Our hash ring, computed, agrees key by key.
    const place = DISTRIBUTIONS[distribution]?.(weights.map((weight, i) => ({ name: `s${i}`, weight }))) as (
      h: number,
    ) => number;
    const hashOf = HASHES[hash] as (k: Buffer) => number;
    const { hashTagged } = await import('../src/hashing/hash.js');
    const computed = keys.map((k) => `s${place(hashOf(hashTagged(Buffer.from(k), '{}')))}`);
    assert.deepEqual(computed, expected);

    // And the running ambassador writes them there.
    const ambassador = await startAmbassador({
      REDIS_SERVERS: servers,
      REDIS_HASH: hash,
      REDIS_DISTRIBUTION: distribution,
      // Placement, not timeouts, is under test: 10,000 pipelined SETs on a loaded CI machine can
      // keep a server past the 1 s default, and its requests would then fail.
      SERVER_TIMEOUT: '30s',
    });
    try {
      assert.deepEqual(await placementBy(ambassador.port), expected);
    } finally {
      ambassador.kill();
    }
  });
}
