// Commands whose state lives on a connection (pub/sub, transactions, blocking, CLIENT REPLY,
// scripts), each with two or more real clients on one ambassador against a real redis-server:
// a reply must never reach another client, and each must behave as it does on Redis itself.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startRedis, type TestRedis, waitFor } from '@pod-patterns/testing';
import { type Ambassador, RawClient, redisFor, startAmbassador } from './helpers.js';

let redis: TestRedis;
let ambassador: Ambassador;
before(async () => {
  // Redis serves other clients (and SCRIPT KILL) 100 ms into a busy script instead of 5 s.
  redis = await startRedis({ args: ['--busy-reply-threshold', '100'] });
  ambassador = await startAmbassador({
    REDIS_SERVERS: `127.0.0.1:${redis.port}:1`,
    SERVER_TIMEOUT: '10s',
    AMBASSADOR_ALLOW_SCRIPTING: 'true', // these tests follow scripts as they travel
  });
});
after(async () => {
  ambassador.kill();
  await redis.stop();
});

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const push = (kind: string, channel: string | null, count: number) =>
  `*3\r\n${bulk(kind)}${channel === null ? '$-1\r\n' : bulk(channel)}:${count}\r\n`;

test('UNSUBSCRIBE and PUNSUBSCRIBE of N channels, never subscribed: N replies to their sender, none to anyone else', async () => {
  const a = await RawClient.open(ambassador.port);
  const b = await RawClient.open(ambassador.port);
  try {
    assert.equal(await b.command('SET', 'k1', 'v1'), '+OK\r\n');
    for (const kind of ['unsubscribe', 'punsubscribe', 'sunsubscribe']) {
      a.send([kind.toUpperCase(), 'foo', 'bar']);
      b.send(['GET', 'k1']);
      assert.deepEqual(await b.read(1), [bulk('v1')], `${kind}: B gets its own reply`);
      assert.deepEqual(await a.read(2), [push(kind, 'foo', 0), push(kind, 'bar', 0)]);
    }
    a.send(['UNSUBSCRIBE']);
    assert.deepEqual(await a.read(1), [push('unsubscribe', null, 0)]);
    // A's connection is its own from now on, and still a plain Redis connection.
    assert.equal(await a.command('GET', 'k1'), bulk('v1'));
    assert.equal(await b.command('GET', 'k1'), bulk('v1'), 'the shared connection survived');
  } finally {
    a.close();
    b.close();
  }
});

test('many clients through pub/sub, blocking, transactions, CLIENT REPLY and plain traffic: each gets exactly its own replies', async () => {
  const clients = await Promise.all(Array.from({ length: 16 }, () => RawClient.open(ambassador.port)));
  let seed = 11;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  // Each step sends commands and names the replies Redis gives, every value tagged with its client.
  const steps: ((c: string, n: number) => [(string | Buffer)[][], string[]])[] = [
    (c, n) => [
      [
        ['SET', `${c}:k`, `${c}-${n}`],
        ['GET', `${c}:k`],
      ],
      ['+OK\r\n', bulk(`${c}-${n}`)],
    ],
    (c) => [
      [['UNSUBSCRIBE', `${c}:x`, `${c}:y`]],
      [push('unsubscribe', `${c}:x`, 0), push('unsubscribe', `${c}:y`, 0)],
    ],
    (c) => [
      [
        ['SUBSCRIBE', `${c}:a`, `${c}:b`],
        ['PING', c],
        ['UNSUBSCRIBE', `${c}:a`, `${c}:b`],
      ],
      [
        push('subscribe', `${c}:a`, 1),
        push('subscribe', `${c}:b`, 2),
        `*2\r\n${bulk('pong')}${bulk(c)}`,
        push('unsubscribe', `${c}:a`, 1),
        push('unsubscribe', `${c}:b`, 0),
      ],
    ],
    (c, n) => [
      [
        ['RPUSH', `${c}:q`, `${c}-${n}`],
        ['BLPOP', `${c}:q`, '1'],
      ],
      [':1\r\n', `*2\r\n${bulk(`${c}:q`)}${bulk(`${c}-${n}`)}`],
    ],
    (c) => [[['BLPOP', `${c}:empty`, '0.05']], ['*-1\r\n']],
    (c, n) => [
      [['MULTI'], ['ECHO', `${c}-${n}`], ['SET', `${c}:t`, `${c}-${n}`], ['PING'], ['EXEC']],
      ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '+QUEUED\r\n', `*3\r\n${bulk(`${c}-${n}`)}+OK\r\n+PONG\r\n`],
    ],
    (c, n) => [
      [
        ['CLIENT', 'REPLY', 'SKIP'],
        ['SET', `${c}:s`, `${c}-${n}`],
        ['GET', `${c}:s`],
      ],
      [bulk(`${c}-${n}`)],
    ],
  ];
  try {
    await Promise.all(
      clients.map(async (client, i) => {
        const tag = `c${i}`;
        for (let n = 0; n < 30; n++) {
          const [commands, expected] = (steps[random(steps.length)] as (typeof steps)[number])(tag, n);
          client.send(...commands);
          assert.deepEqual(await client.read(expected.length), expected, `${tag}, step ${n}`);
        }
        // Nothing more arrives: no reply of anyone else's, none left over of its own.
        client.send(['ECHO', `${tag}-end`]);
        assert.deepEqual(await client.read(1), [bulk(`${tag}-end`)]);
      }),
    );
  } finally {
    for (const client of clients) client.close();
  }
});

test('MULTI holds the commands answered by the ambassador too, and EXEC returns them in place', async () => {
  const raw = await RawClient.open(ambassador.port);
  try {
    raw.send(['DEL', 'ctr'], ['MULTI'], ['PING'], ['ECHO', 'hi'], ['INCR', 'ctr'], ['EXEC']);
    assert.deepEqual(await raw.read(6), [
      ':0\r\n',
      '+OK\r\n',
      '+QUEUED\r\n',
      '+QUEUED\r\n',
      '+QUEUED\r\n',
      `*3\r\n+PONG\r\n${bulk('hi')}:1\r\n`,
    ]);
    raw.send(['MULTI'], ['PING'], ['DISCARD'], ['PING']);
    assert.deepEqual(await raw.read(4), ['+OK\r\n', '+QUEUED\r\n', '+OK\r\n', '+PONG\r\n']);
  } finally {
    raw.close();
  }
});

test('a refused command inside MULTI aborts the transaction: EXECABORT, and nothing runs', async (t) => {
  const raw = await RawClient.open(ambassador.port);
  const direct = redisFor(t, { port: redis.port });
  try {
    await direct.del('foo');
    raw.send(['MULTI'], ['SET', 'foo', 'bar'], ['SHUTDOWN'], ['EXEC']);
    assert.deepEqual(await raw.read(4), [
      '+OK\r\n',
      '+QUEUED\r\n',
      '-ERR SHUTDOWN is not allowed through the ambassador\r\n',
      '-EXECABORT Transaction discarded because of previous errors.\r\n',
    ]);
    assert.equal(await direct.get('foo'), null, 'the queued SET did not run');
    // The server's own refusals abort it too, and the connection is usable after either.
    raw.send(['MULTI'], ['NOSUCHCOMMAND'], ['EXEC'], ['SET', 'foo', 'after']);
    const replies = await raw.read(4);
    assert.match(replies[1] as string, /^-ERR unknown command/);
    assert.match(replies[2] as string, /^-EXECABORT/);
    assert.equal(replies[3], '+OK\r\n');
    assert.equal(await direct.get('foo'), 'after');
  } finally {
    raw.close();
  }
});

test('a client in a transaction or WATCH that subscribes is tunnelled, and its replies still frame', async () => {
  const raw = await RawClient.open(ambassador.port);
  const other = await RawClient.open(ambassador.port);
  try {
    raw.send(['WATCH', 'w'], ['SUBSCRIBE', 'wa', 'wb'], ['UNSUBSCRIBE', 'wa', 'wb']);
    assert.deepEqual(await raw.read(5), [
      '+OK\r\n',
      push('subscribe', 'wa', 1),
      push('subscribe', 'wb', 2),
      push('unsubscribe', 'wa', 1),
      push('unsubscribe', 'wb', 0),
    ]);
    const sub = await RawClient.open(ambassador.port);
    sub.send(['MULTI'], ['SUBSCRIBE', 'news'], ['EXEC']);
    assert.deepEqual(await sub.read(3), ['+OK\r\n', '+QUEUED\r\n', `*1\r\n${push('subscribe', 'news', 1)}`]);
    assert.equal(await other.command('PUBLISH', 'news', 'hello'), ':1\r\n');
    assert.deepEqual(await sub.read(1), [`*3\r\n${bulk('message')}${bulk('news')}${bulk('hello')}`]);
    sub.close();
  } finally {
    raw.close();
    other.close();
  }
});

test('CLIENT REPLY OFF, SKIP and ON: replies not written keep their place in the order', async () => {
  const raw = await RawClient.open(ambassador.port);
  try {
    raw.send(
      ['CLIENT', 'REPLY', 'SKIP'],
      ['SET', 'cr', '1'],
      ['GET', 'cr'],
      ['CLIENT', 'REPLY', 'OFF'],
      ['SET', 'cr', '2'],
      ['PING'],
      ['CLIENT', 'REPLY', 'ON'],
      ['GET', 'cr'],
    );
    assert.deepEqual(await raw.read(3), [bulk('1'), '+OK\r\n', bulk('2')]);
    assert.equal(await raw.command('CLIENT', 'REPLY', 'MAYBE'), '-ERR syntax error\r\n');
  } finally {
    raw.close();
  }
});

test('INFO with one server is the server INFO plus the ambassador section', async () => {
  const raw = await RawClient.open(ambassador.port);
  try {
    const all = await raw.command('INFO');
    for (const field of ['redis_version', 'mem_allocator', 'blocked_clients', 'loading', 'used_memory']) {
      assert.match(all, new RegExp(`\r\n${field}:`), field);
    }
    assert.doesNotMatch(all, /redis_version:7\.0\.0\r\n/, "the server's version, not the one the ambassador speaks");
    assert.match(all, /\r\n# Ambassador\r\nservers:1\r\nsharded:0\r\n/);
    const server = await raw.command('INFO', 'server');
    assert.match(server, /redis_version:/);
    assert.doesNotMatch(server, /# Ambassador|# Memory/);
    const ours = await raw.command('INFO', 'ambassador');
    assert.match(ours, /^\$\d+\r\n# Ambassador\r\n/);
    assert.doesNotMatch(ours, /redis_version/);
  } finally {
    raw.close();
  }
});

test('INFO pipelined ahead of MULTI: the transaction waits for INFO, then runs', async () => {
  // The pinned commands wait for the client's shared ones; INFO's answer once failed to release them.
  const raw = await RawClient.open(ambassador.port);
  try {
    raw.send(['INFO', 'server'], ['MULTI'], ['SET', 'info-multi', '1'], ['EXEC']);
    const [info, ...transaction] = await raw.read(4, 3000);
    assert.match(info ?? '', /redis_version:/);
    assert.deepEqual(transaction, ['+OK\r\n', '+QUEUED\r\n', '*1\r\n+OK\r\n']);
  } finally {
    raw.close();
  }
});

test('SCRIPT KILL and FUNCTION KILL reach the server while a script holds the shared connection', async () => {
  const busy = await RawClient.open(ambassador.port);
  const killer = await RawClient.open(ambassador.port);
  try {
    const library = "#!lua name=spinlib\nredis.register_function('spin', function() while true do end end)";
    assert.equal(await killer.command('FUNCTION', 'LOAD', 'REPLACE', library), bulk('spinlib'));
    for (const [run, kill] of [
      [
        ['EVAL', 'while true do end', '0'],
        ['SCRIPT', 'KILL'],
      ],
      [
        ['FCALL', 'spin', '0'],
        ['FUNCTION', 'KILL'],
      ],
    ] as const) {
      busy.send([...run]);
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      assert.equal(await killer.command(...kill), '+OK\r\n', `${kill.join(' ')} is answered`);
      assert.ok(Date.now() - started < 3000, `${kill.join(' ')} did not wait behind the script`);
      assert.match((await busy.read(1))[0] as string, /^-ERR .*(killed|Killed)/);
      assert.equal(await busy.command('PING'), '+PONG\r\n');
      assert.equal(await killer.command('SET', 'after-kill', '1'), '+OK\r\n', 'the shared connection still works');
    }
  } finally {
    busy.close();
    killer.close();
  }
});

test('RESET is answered here; replication commands are refused', async () => {
  const raw = await RawClient.open(ambassador.port);
  try {
    raw.send(['CLIENT', 'SETNAME', 'before'], ['RESET'], ['CLIENT', 'GETNAME'], ['SYNC'], ['PSYNC', '?', '-1']);
    assert.deepEqual(await raw.read(5), [
      '+OK\r\n',
      '+RESET\r\n',
      '$-1\r\n',
      '-ERR SYNC is not allowed through the ambassador\r\n',
      '-ERR PSYNC is not allowed through the ambassador\r\n',
    ]);
    raw.send(['WATCH', 'r'], ['RESET'], ['PING']);
    const [watched, reset, pong] = await raw.read(3);
    assert.equal(watched, '+OK\r\n');
    assert.match(reset as string, /^-ERR RESET is not supported on a connection in a transaction/);
    assert.equal(pong, '+PONG\r\n');
  } finally {
    raw.close();
  }
});

test('a server connection of a client that left is closed, and no longer counted', async () => {
  const serverConnections = async () => {
    const text = await (await fetch(`http://127.0.0.1:${ambassador.opsPort}/metrics`)).text();
    return Number(/^redis_ambassador_server_connections\{[^}]*\} (\d+)$/m.exec(text)?.[1]);
  };
  await waitFor(async () => (await serverConnections()) === 1, 15_000, 'only the shared connection left');
  const raw = await RawClient.open(ambassador.port);
  assert.equal(await raw.command('WATCH', 'gone'), '+OK\r\n');
  assert.equal(await serverConnections(), 2);
  raw.close();
  await waitFor(async () => (await serverConnections()) === 1, 15_000, 'the pinned connection is no longer counted');
});
