// /metrics as Prometheus' own tools read it, after real traffic (so every family has samples).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintEndpoint, prometheusMissing } from '@pod-patterns/testing';
import { RawClient, serverList, startAmbassador, startShards } from './helpers.js';

test('promtool finds no problem in /metrics, as text and as OpenMetrics', { skip: prometheusMissing() }, async () => {
  const shards = await startShards(2);
  const ambassador = await startAmbassador({ REDIS_SERVERS: serverList(shards) });
  const raw = await RawClient.open(ambassador.port);
  try {
    for (const key of ['a', 'b', 'c', 'd']) assert.equal(await raw.command('SET', key, '1'), '+OK\r\n');
    await raw.command('MGET', 'a', 'b', 'c', 'd');
    await raw.command('NOSUCHCOMMAND');
    assert.deepEqual(await lintEndpoint(`http://127.0.0.1:${ambassador.opsPort}/metrics`), {
      text: [],
      openmetrics: [],
    });
  } finally {
    raw.close();
    ambassador.kill();
    for (const shard of shards) await shard.stop();
  }
});
