// What a client of the ambassador must not be able to do to the servers behind it, tried
// against a real redis-server with a password: scripting and functions past the deny list, ACL,
// a tunnel left by UNSUBSCRIBE, made-up command names as metric labels, and one client's long
// pipeline failing everyone's commands.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRedis, type TestRedis, tempDir } from '@pod-patterns/testing';
import { type Ambassador, RawClient, startAmbassador } from './helpers.js';

const PASSWORD = 'backend-secret-3e9a';
let redis: TestRedis;
let passwordFile: string;
before(async () => {
  redis = await startRedis({ args: ['--requirepass', PASSWORD] });
  passwordFile = join(tempDir('ambassador-security-'), 'password');
  writeFileSync(passwordFile, PASSWORD);
});
after(() => redis.stop());

async function ambassador(env: Record<string, string> = {}): Promise<Ambassador> {
  return startAmbassador({ REDIS_SERVERS: `127.0.0.1:${redis.port}:1`, REDIS_PASSWORD_FILE: passwordFile, ...env });
}

/** A connection straight to the server, authenticated: to see what really happened there. */
async function direct(): Promise<RawClient> {
  const client = await RawClient.open(redis.port);
  assert.equal(await client.command('AUTH', PASSWORD), '+OK\r\n');
  return client;
}

test('scripting and functions are refused by default, so no script runs FLUSHALL or MIGRATE', async () => {
  const a = await ambassador();
  const client = await RawClient.open(a.port);
  const server = await direct();
  try {
    assert.equal(await client.command('SET', 'sec:keep', 'v'), '+OK\r\n');
    const attempts: string[][] = [
      ['EVAL', "return redis.call('FLUSHALL')", '0'],
      ['EVAL', "return redis.call('MIGRATE', '127.0.0.1', '1', 'sec:keep', '0', '1000')", '0'],
      ['EVAL_RO', "return redis.call('GET', 'sec:keep')", '0'],
      ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'],
      ['SCRIPT', 'LOAD', "return redis.call('FLUSHALL')"],
      [
        'FUNCTION',
        'LOAD',
        "#!lua name=wipe\nredis.register_function('wipe', function() return redis.call('FLUSHALL') end)",
      ],
      ['FCALL', 'wipe', '0'],
      ['FCALL_RO', 'wipe', '0'],
    ];
    for (const attempt of attempts) {
      const reply = await client.command(...attempt);
      assert.match(reply, /^-ERR \w+ is not allowed through the ambassador \(scripting is off/, attempt.join(' '));
    }
    assert.equal(await server.command('GET', 'sec:keep'), '$1\r\nv\r\n', 'the key is still there');
    assert.equal(await server.command('FUNCTION', 'LIST'), '*0\r\n', 'no function was loaded');
    assert.equal(await client.command('GET', 'sec:keep'), '$1\r\nv\r\n', 'the connection stays usable');
  } finally {
    client.close();
    server.close();
    a.kill();
  }
});

test('AMBASSADOR_ALLOW_SCRIPTING lets a trusted app’s scripts through', async () => {
  const a = await ambassador({ AMBASSADOR_ALLOW_SCRIPTING: 'true' });
  const client = await RawClient.open(a.port);
  try {
    assert.equal(
      await client.command('EVAL', "return redis.call('SET', KEYS[1], ARGV[1])", '1', 'sec:s', 'x'),
      '+OK\r\n',
    );
    assert.equal(await client.command('GET', 'sec:s'), '$1\r\nx\r\n');
  } finally {
    client.close();
    a.kill();
  }
});

test('ACL is refused always: no password hashes read, no user rewritten', async () => {
  const a = await ambassador({ AMBASSADOR_DENY_COMMANDS: '' }); // even with an empty deny list
  const client = await RawClient.open(a.port);
  try {
    for (const attempt of [
      ['ACL', 'LIST'],
      ['ACL', 'SETUSER', 'default', 'nopass'],
      ['acl', 'getuser', 'default'],
    ]) {
      assert.match(await client.command(...attempt), /^-ERR ACL is not allowed through the ambassador/);
    }
    const unauthenticated = await RawClient.open(redis.port);
    assert.match(await unauthenticated.command('GET', 'x'), /^-NOAUTH/, 'the backend still wants its password');
    unauthenticated.close();
  } finally {
    client.close();
    a.kill();
  }
});

test('a tunnelled client is refused what any client is: after UNSUBSCRIBE, CLIENT, SELECT, HELLO 3 and SYNC close it', async () => {
  const a = await ambassador();
  const bystander = await RawClient.open(a.port);
  try {
    assert.equal(await bystander.command('SET', 'sec:other', 'still-here'), '+OK\r\n');
    for (const refused of [
      ['CLIENT', 'KILL', 'TYPE', 'normal'],
      ['CLIENT', 'LIST'],
      ['SELECT', '1'],
      ['HELLO', '3'],
      ['SYNC'],
      ['FLUSHALL'],
      ['ACL', 'LIST'],
      ['EVAL', "return redis.call('FLUSHALL')", '0'],
    ]) {
      const client = await RawClient.open(a.port);
      const [unsubscribed] = await (async () => {
        client.send(['UNSUBSCRIBE']);
        return client.read(1);
      })();
      assert.match(unsubscribed as string, /unsubscribe/);
      client.send(refused);
      const [reply] = await client.read(1);
      assert.match(
        reply as string,
        /^-ERR \S+ is not allowed on a tunnelled \(pub\/sub or MONITOR\) connection/,
        refused.join(' '),
      );
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(client.closed, true, `${refused.join(' ')} closed the connection`);
    }
    // The shared connection was never cut (CLIENT KILL), and the data is all there (no SYNC ran).
    assert.equal(await bystander.command('GET', 'sec:other'), '$10\r\nstill-here\r\n');
  } finally {
    bystander.close();
    a.kill();
  }
});

test('made-up command names are counted as one `other` label, so /metrics stays small', async () => {
  const a = await ambassador();
  const client = await RawClient.open(a.port);
  try {
    client.send(...Array.from({ length: 2000 }, (_, i) => [`MADEUP${i}`]));
    const replies = await client.read(2000);
    assert.ok(replies.every((r) => r.startsWith('-ERR unknown command')));
    assert.equal(await client.command('GET', 'sec:nothing'), '$-1\r\n');
    const text = await (await fetch(`http://127.0.0.1:${a.opsPort}/metrics`)).text();
    assert.doesNotMatch(text, /MADEUP/);
    assert.match(text, /^redis_ambassador_commands_total\{command="other",server="[^"]+"\} 2000$/m);
    assert.match(text, /^redis_ambassador_commands_total\{command="GET",server="[^"]+"\} 1$/m);
  } finally {
    client.close();
    a.kill();
  }
});

test('a server still answering a long pipeline is not timed out: the clock runs from its last bytes', async () => {
  // A server that answers one reply every 50 ms, steadily: the 21st of 40 pipelined commands
  // waits more than SERVER_TIMEOUT (1 s) after it was sent, while the server is never silent
  // for longer than 50 ms. redis-server cannot be made to answer at a chosen pace; this can.
  const steady = createServer((socket) => {
    let owed = 0;
    const timer = setInterval(() => {
      if (owed > 0) {
        owed--;
        socket.write('$5\r\nvalue\r\n');
      }
    }, 50);
    socket.on('data', (chunk) => {
      owed += chunk.toString('latin1').split('*2\r\n').length - 1; // each GET is *2
    });
    socket.on('close', () => clearInterval(timer));
    socket.on('error', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => steady.listen(0, '127.0.0.1', resolve));
  const port = (steady.address() as AddressInfo).port;
  const a = await startAmbassador({ REDIS_SERVERS: `127.0.0.1:${port}:1 steady`, SERVER_TIMEOUT: '1s' });
  const client = await RawClient.open(a.port);
  try {
    client.send(...Array.from({ length: 40 }, (_, i) => ['GET', `k${i}`]));
    const replies = await client.read(40, 30_000);
    assert.deepEqual(new Set(replies), new Set(['$5\r\nvalue\r\n']), 'every reply is the value, none an error');
  } finally {
    client.close();
    a.kill();
    steady.close();
  }
});

test('400 pipelined GETs of 1 MiB from a real redis-server all arrive whole, and others are served meanwhile', async () => {
  // Large values end to end: each reply arrives in many reads, parked and joined once. (Redis
  // copies the 400 MiB of one read's replies before its first byte, a silence that on a loaded
  // machine can outlast a short SERVER_TIMEOUT, so this one is long: the timeout is tested above.)
  const a = await ambassador({ SERVER_TIMEOUT: '10s' });
  const big = await RawClient.open(a.port);
  const other = await RawClient.open(a.port);
  try {
    assert.equal(await big.command('SET', 'sec:big', 'x'.repeat(1 << 20)), '+OK\r\n');
    const count = 400;
    big.send(...Array.from({ length: count }, () => ['GET', 'sec:big']));
    const otherReply = other.command('PING');
    const replies = await big.read(count, 60_000);
    const wrong = replies.filter((r) => r.length !== (1 << 20) + 12);
    assert.deepEqual(
      wrong.slice(0, 3).map((r) => r.slice(0, 80)),
      [],
      `every GET got its 1 MiB (${wrong.length} did not)`,
    );
    assert.equal(await otherReply, '+PONG\r\n');
    assert.equal(await other.command('GET', 'sec:nothing'), '$-1\r\n');
  } finally {
    big.close();
    other.close();
    a.kill();
  }
});

test('a server that answers nothing is still failed after SERVER_TIMEOUT', async () => {
  // A TCP server that accepts and then says nothing: a Redis stuck (SIGSTOP, a long script).
  const silent = createServer((socket) => socket.on('data', () => {}));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as AddressInfo).port;
  const a = await startAmbassador({ REDIS_SERVERS: `127.0.0.1:${port}:1 stuck`, SERVER_TIMEOUT: '300ms' });
  const client = await RawClient.open(a.port);
  try {
    const started = Date.now();
    assert.match(await client.command('GET', 'k'), /^-ERR backend stuck unavailable/);
    assert.ok(Date.now() - started < 3000, `failed after ${Date.now() - started} ms`);
  } finally {
    client.close();
    a.kill();
    silent.close();
  }
});
