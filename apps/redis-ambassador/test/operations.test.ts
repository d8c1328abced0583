import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeCertificates, startRedis, tempDir, waitFor } from '@pod-patterns/testing';
import { RawClient, startAmbassador, startShards, withRedis } from './helpers.js';

const dir = tempDir('ambassador-ops-');

test('AUTH is injected on every server connection; a rotated password file works after reconnect', async () => {
  const redis = await startRedis({ args: ['--requirepass', 'first-pass-8c1f'] });
  const passwordFile = join(dir, 'redis-password');
  writeFileSync(passwordFile, 'first-pass-8c1f\n');
  const ambassador = await startAmbassador({
    REDIS_SERVERS: `127.0.0.1:${redis.port}:1`,
    REDIS_PASSWORD_FILE: passwordFile,
  });
  const raw = await RawClient.open(ambassador.port);
  try {
    assert.equal(await raw.command('SET', 'auth:k', 'v'), '+OK\r\n', 'the app sends no password');
    await withRedis({ port: redis.port, password: 'first-pass-8c1f' }, async (admin) => {
      await admin.config('SET', 'requirepass', 'second-pass-31b2');
      writeFileSync(passwordFile, 'second-pass-31b2');
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'); // the server drops the ambassador
    });
    await waitFor(
      async () => (await raw.command('GET', 'auth:k')) === '$1\r\nv\r\n',
      15_000,
      'reconnected with the new password',
    );
    assert.doesNotMatch(ambassador.stdout() + ambassador.stderr(), /first-pass|second-pass/);
  } finally {
    raw.close();
    ambassador.kill();
    await redis.stop();
  }
});

test("with a password, the first commands on a new server connection get their own replies, not AUTH's", async () => {
  // Commands that arrive while the server connection is still being made wait behind AUTH on
  // the wire; their replies must wait behind AUTH's too. Seen in the demo: web's first GETs
  // read "OK", AUTH's reply, and every reply after them was one late.
  const redis = await startRedis({ args: ['--requirepass', 'order-pass-5e2a'] });
  await withRedis({ port: redis.port, password: 'order-pass-5e2a' }, (admin) =>
    admin.mset('order:a', 'A', 'order:b', 'B', 'order:c', 'C'),
  );
  const passwordFile = join(dir, 'order-password');
  writeFileSync(passwordFile, 'order-pass-5e2a');
  const ambassador = await startAmbassador({
    REDIS_SERVERS: `127.0.0.1:${redis.port}:1`,
    REDIS_PASSWORD_FILE: passwordFile,
  });
  const raw = await RawClient.open(ambassador.port);
  try {
    raw.send(['GET', 'order:a'], ['GET', 'order:b'], ['GET', 'order:c'], ['GET', 'order:none']);
    assert.deepEqual(await raw.read(4), ['$1\r\nA\r\n', '$1\r\nB\r\n', '$1\r\nC\r\n', '$-1\r\n']);
    assert.equal(await raw.command('GET', 'order:a'), '$1\r\nA\r\n', 'and the ones after them');
  } finally {
    raw.close();
    ambassador.kill();
    await redis.stop();
  }
});

test('a client password: NOAUTH until AUTH, WRONGPASS for a wrong one', async () => {
  const [redis] = await startShards(1);
  const secret = join(dir, 'client-password');
  writeFileSync(secret, 'app-secret-77');
  const ambassador = await startAmbassador({
    REDIS_SERVERS: `127.0.0.1:${redis?.port}:1`,
    AMBASSADOR_CLIENT_PASSWORD_FILE: secret,
  });
  const raw = await RawClient.open(ambassador.port);
  try {
    assert.equal(await raw.command('GET', 'x'), '-NOAUTH Authentication required.\r\n');
    assert.match(await raw.command('AUTH', 'nope'), /^-WRONGPASS/);
    assert.equal(await raw.command('AUTH', 'app-secret-77'), '+OK\r\n');
    assert.equal(await raw.command('SET', 'x', '1'), '+OK\r\n');
    const asIoredis = await withRedis({ port: ambassador.port, password: 'app-secret-77' }, (c) => c.get('x'));
    assert.equal(asIoredis, '1', 'ioredis sends the password itself');
  } finally {
    raw.close();
    ambassador.kill();
    await redis?.stop();
  }
});

test('limits: too many clients get an error; an oversized argument closes only that connection', async () => {
  const [redis] = await startShards(1);
  const ambassador = await startAmbassador({
    REDIS_SERVERS: `127.0.0.1:${redis?.port}:1`,
    AMBASSADOR_MAX_CLIENTS: '2',
    AMBASSADOR_MAX_REQUEST_BYTES: '1024',
  });
  try {
    const a = await RawClient.open(ambassador.port);
    const b = await RawClient.open(ambassador.port);
    const c = await RawClient.open(ambassador.port);
    assert.equal((await c.read(1))[0], '-ERR max number of clients reached\r\n');
    await waitFor(() => c.closed, 15_000, 'third refused');
    a.send(['SET', 'big', 'x'.repeat(2000)]);
    assert.match((await a.read(1))[0] as string, /^-ERR Protocol error: argument too large \(limit 1024 bytes\)/);
    await waitFor(() => a.closed, 15_000, 'closed');
    assert.equal(await b.command('PING'), '+PONG\r\n', 'the other client is fine');
    b.close();
  } finally {
    ambassador.kill();
    await redis?.stop();
  }
});

test('a new server list from the file (and SIGHUP) applies without dropping client connections', async () => {
  const [first, second] = await startShards(2);
  const file = join(dir, 'servers');
  writeFileSync(file, `127.0.0.1:${first?.port}:1 main\n`);
  const ambassador = await startAmbassador({ REDIS_SERVERS_FILE: file });
  const raw = await RawClient.open(ambassador.port);
  try {
    assert.equal(await raw.command('SET', 'where', 'first'), '+OK\r\n');
    writeFileSync(file, `127.0.0.1:${second?.port}:1 main\n`);
    ambassador.child.kill('SIGHUP');
    await ambassador.waitForLog('server list applied');
    assert.equal(await raw.command('SET', 'where', 'second'), '+OK\r\n', 'same connection, new server');
    assert.equal(await withRedis({ port: second?.port }, (direct) => direct.get('where')), 'second');
    writeFileSync(file, 'not a server list');
    ambassador.child.kill('SIGHUP');
    await ambassador.waitForLog('new server list refused; keeping the current one');
    assert.equal(await raw.command('GET', 'where'), '$6\r\nsecond\r\n');
  } finally {
    raw.close();
    ambassador.kill();
    await first?.stop();
    await second?.stop();
  }
});

test('SIGTERM: it stops accepting, answers every command already received, then exits 0', async () => {
  const [redis] = await startShards(1);
  const ambassador = await startAmbassador({ REDIS_SERVERS: `127.0.0.1:${redis?.port}:1` });
  const raw = await RawClient.open(ambassador.port);
  try {
    raw.send(...Array.from({ length: 500 }, (_, i) => ['SET', `drain:${i}`, String(i)]));
    ambassador.child.kill('SIGTERM');
    assert.deepEqual(await raw.read(500), Array(500).fill('+OK\r\n'));
    assert.equal(await ambassador.exited, 0);
    await assert.rejects(RawClient.open(ambassador.port));
  } finally {
    raw.close();
    await redis?.stop();
  }
});

test('fuzz over sockets: garbage never crashes it, never reaches another client', async () => {
  const [redis] = await startShards(1);
  const ambassador = await startAmbassador({ REDIS_SERVERS: `127.0.0.1:${redis?.port}:1` });
  const honest = await RawClient.open(ambassador.port);
  try {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pieces = [
      '*',
      '$',
      '\r\n',
      '3',
      '-1',
      'GET',
      'SET',
      '*3\r\n$3\r\nSET\r\n',
      '$999999999\r\n',
      '\0',
      'PING\r\n',
      '"',
      '*1\r\n',
    ];
    for (let round = 0; round < 200; round++) {
      const socket = connect(ambassador.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('data', () => {});
      const junk = Array.from(
        { length: 1 + Math.floor(random() * 12) },
        () => pieces[Math.floor(random() * pieces.length)],
      ).join('');
      socket.end(junk);
      if (round % 20 === 0) {
        assert.equal(await honest.command('SET', `honest:${round}`, String(round)), '+OK\r\n');
        assert.equal(await honest.command('GET', `honest:${round}`), `$${String(round).length}\r\n${round}\r\n`);
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(ambassador.child.exitCode, null, 'still running');
    assert.equal(await honest.command('PING'), '+PONG\r\n');
  } finally {
    honest.close();
    ambassador.kill();
    await redis?.stop();
  }
});

test('/readyz is 503 when no server is reachable, /metrics counts clients', async () => {
  const [redis] = await startShards(1);
  const ambassador = await startAmbassador({ REDIS_SERVERS: `127.0.0.1:${redis?.port}:1` });
  try {
    const raw = await RawClient.open(ambassador.port);
    assert.equal(await raw.command('PING'), '+PONG\r\n');
    assert.equal((await fetch(`http://127.0.0.1:${ambassador.opsPort}/readyz`)).status, 200);
    assert.match(
      await (await fetch(`http://127.0.0.1:${ambassador.opsPort}/metrics`)).text(),
      /^redis_ambassador_client_connections 1$/m,
    );
    await redis?.stop();
    assert.match(await raw.command('GET', 'k'), /^-ERR backend .* unavailable/);
    assert.equal((await fetch(`http://127.0.0.1:${ambassador.opsPort}/readyz`)).status, 503);
    assert.equal((await fetch(`http://127.0.0.1:${ambassador.opsPort}/healthz`)).status, 200);
    raw.close();
  } finally {
    ambassador.kill();
  }
});

test('TLS to the servers, with a CA file and a client certificate', async () => {
  const certs = makeCertificates();
  const { freePort } = await import('@pod-patterns/testing');
  const port = await freePort();
  const redis = await startRedis({
    port: 0,
    args: [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--tls-cert-file',
      certs.serverCert,
      '--tls-key-file',
      certs.serverKey,
      '--tls-ca-cert-file',
      certs.ca,
      '--tls-auth-clients',
      'yes',
    ],
  });
  const ambassador = await startAmbassador({
    REDIS_SERVERS: `127.0.0.1:${port}:1`,
    REDIS_TLS: 'true',
    REDIS_TLS_CA_FILE: certs.ca,
    REDIS_TLS_CERT_FILE: certs.clientCert,
    REDIS_TLS_KEY_FILE: certs.clientKey,
  });
  const raw = await RawClient.open(ambassador.port);
  // Without the client certificate the server (alive) refuses the handshake: keys get an error.
  const noCert = await startAmbassador({
    REDIS_SERVERS: `127.0.0.1:${port}:1`,
    REDIS_TLS: 'true',
    REDIS_TLS_CA_FILE: certs.ca,
  });
  const refused = await RawClient.open(noCert.port);
  try {
    assert.equal(await raw.command('SET', 'tls', 'yes'), '+OK\r\n');
    assert.equal(await raw.command('GET', 'tls'), '$3\r\nyes\r\n');
    assert.equal(await refused.command('GET', 'tls'), `-ERR backend 127.0.0.1:${port} unavailable\r\n`);
    assert.equal(await raw.command('GET', 'tls'), '$3\r\nyes\r\n', 'the server is still up');
  } finally {
    raw.close();
    refused.close();
    ambassador.kill();
    noCert.kill();
    await redis.stop();
  }
});
