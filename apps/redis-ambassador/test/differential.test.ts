// The ambassador held to redis-server: random command sequences (test/differential/grammar.ts)
// from several clients, run once against a redis-server directly and once through the
// ambassador in front of an identical fresh server. Each client's bytes must be the same, byte
// for byte, and so must every key's final state. Sharded, the same over hash-tagged keys against
// one server that holds everything. DIFFERENTIAL_RUNS and DIFFERENTIAL_SEED run it longer or
// elsewhere (README, "Tests").
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestRedis } from '@pod-patterns/testing';
import fc from 'fast-check';
import { DECLARED_DIFFERENCES } from './differential/declared.js';
import { KEYS, type Mode, materialize, type Scenario, scenario } from './differential/grammar.js';
import { ask, keyState, runScenario } from './differential/run.js';
import { type Ambassador, serverList, startAmbassador, startShards } from './helpers.js';

const RUNS = Number(process.env.DIFFERENTIAL_RUNS ?? 120);
const SEED = Number(process.env.DIFFERENTIAL_SEED ?? 20261204);

let direct: TestRedis;
let behind: TestRedis;
let single: Ambassador;
let shards: TestRedis[];
let sharded: Ambassador;
before(async () => {
  const servers = await startShards(4);
  [direct, behind] = servers as [TestRedis, TestRedis];
  shards = servers.slice(2);
  single = await startAmbassador({ REDIS_SERVERS: serverList([behind]) });
  sharded = await startAmbassador({ REDIS_SERVERS: serverList(shards) });
});
after(async () => {
  single?.kill();
  sharded?.kill();
  await Promise.all([direct, behind, ...shards].map((r) => r?.stop()));
});

/** Bytes as a reader can compare them: CRLF shown, one reply per line. */
const readable = (b: Buffer) => b.toString('latin1').replaceAll('\r\n', '⏎ ');

/** Runs a scenario both ways and returns what differs, or undefined when nothing does. */
async function differences(mode: Mode, s: Scenario): Promise<string | undefined> {
  const [reference, via, servers] = mode === 'single' ? [direct, single, [behind]] : [direct, sharded, shards];
  for (const server of [reference, ...servers]) await ask(server.port, 'FLUSHALL');
  const steps = materialize(s);
  const keys = KEYS[mode];
  const expected = await runScenario(reference.port, s.clients, steps);
  if (expected.stalled) return `the model of replies is wrong (redis-server itself): ${expected.stalled}`;
  // Read at once, so that both states are as old (a TTL is rounded to the second).
  const want = await keyState([reference.port], keys);
  const actual = await runScenario(via.port, s.clients, steps);
  const script = steps
    .map((st) => `client ${st.client}: ${st.commands.map((c) => c.join(' ')).join(' | ')}`)
    .join('\n');
  for (let c = 0; c < s.clients; c++)
    if (!(expected.streams[c] as Buffer).equals(actual.streams[c] as Buffer))
      return `client ${c}'s bytes differ${actual.stalled ? ` (${actual.stalled})` : ''}\n${script}\nredis-server: ${readable(expected.streams[c] as Buffer)}\nambassador:   ${readable(actual.streams[c] as Buffer)}`;
  const got = await keyState(
    servers.map((r) => r.port),
    keys,
  );
  try {
    assert.deepEqual(got, want);
  } catch {
    return `the final state differs\n${script}\nredis-server: ${JSON.stringify(want)}\nambassador:   ${JSON.stringify(got)}`;
  }
  return undefined;
}

/**
 * Every sequence that ever failed, run first on every run. These two were the test's own bugs,
 * kept because they pin down what it must get right: a step whose only command has its reply
 * skipped (another client could overtake it), and TTLs read after slow blocking pops.
 */
const REGRESSIONS: { mode: Mode; scenario: Scenario }[] = [
  {
    mode: 'sharded',
    scenario: {
      clients: 2,
      steps: [
        {
          client: 1,
          units: [
            [
              ['CLIENT', 'REPLY', 'SKIP'],
              ['DEL', '{a}x', '{a}x'],
            ],
          ],
        },
        {
          client: 0,
          units: [
            [
              ['CLIENT', 'REPLY', 'SKIP'],
              ['ZINCRBY', '{a}x', '1', '1'],
            ],
          ],
        },
        { client: 0, units: [[['STRLEN', '{a}x']]] },
      ],
    },
  },
  {
    mode: 'single',
    scenario: {
      clients: 2,
      steps: [
        { client: 0, units: [[['BRPOP', 'a', '0.01']]] },
        {
          client: 0,
          units: [
            [
              ['CLIENT', 'REPLY', 'OFF'],
              ['SET', 'd', '1', 'EX', '100'],
              ['CLIENT', 'REPLY', 'ON'],
            ],
          ],
        },
        { client: 0, units: [[['BZPOPMIN', 'a', '0.01']]] },
        { client: 0, units: [[['BLMOVE', 'a', 'a', 'LEFT', 'LEFT', '0.01']], [['UNWATCH']]] },
      ],
    },
  },
];

async function check(mode: Mode, runs: number): Promise<void> {
  for (const regression of REGRESSIONS.filter((r) => r.mode === mode)) {
    const found = await differences(mode, regression.scenario);
    assert.equal(found, undefined, `regression: ${found}`);
  }
  await fc.assert(
    fc.asyncProperty(scenario(mode), async (s) => {
      const found = await differences(mode, s);
      if (found) throw new Error(found);
    }),
    { numRuns: runs, seed: SEED },
  );
}

test(`one server: ${RUNS} random sequences, byte for byte and key for key the same as redis-server (seed ${SEED})`, async () => {
  await check('single', RUNS);
});

test(`sharded across 2 servers: ${RUNS} random sequences over hash-tagged keys, the same as one redis-server holding everything`, async () => {
  await check('sharded', RUNS);
});

test('sharded: what the ambassador refuses is refused with the documented error', async () => {
  for (const command of [
    ['MULTI'],
    ['WATCH', '{t1}a'],
    ['BLPOP', '{t1}a', '0.01'],
    ['SUBSCRIBE', 'ch1'],
    ['DBSIZE'],
    ['GET'],
  ])
    assert.equal(
      await ask(sharded.port, ...command),
      `-ERR ${command[0]} is not supported when sharded across 2 servers\r\n`,
      command.join(' '),
    );
  assert.match(
    await ask(sharded.port, 'RENAME', '{a}x', '{t1}x'),
    /across keys on different servers .* use a hash tag/,
  );
});

test('every declared difference is one: the ambassador answers as declared, where redis-server does not', async () => {
  for (const { command, answer, why } of DECLARED_DIFFERENCES) {
    assert.match(await ask(single.port, ...command), answer, `${command.join(' ')}: ${why}`);
    assert.doesNotMatch(await ask(direct.port, ...command), answer, `${command.join(' ')} does not differ`);
  }
});
