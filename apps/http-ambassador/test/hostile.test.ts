// What a hostile client of the ambassador's port can send: targets the URL parser throws on, on a
// plain request and on a WebSocket upgrade, and an upstream that echoes the credential in its 101.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sendRaw, startHttpServer, statusOf, tempDir } from '@pod-patterns/testing';
import { sample, startAmbassador } from './helpers.js';

const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const close of cleanup.reverse()) await close();
});
const portOf = (url: string) => Number(new URL(url).port);

test('an upgrade to a target the URL parser throws on gets 400, and the process lives on', async () => {
  const api = await startHttpServer((_req, res) => res.writeHead(200).end('ok'));
  cleanup.push(() => api.close());
  const a = await startAmbassador({ UPSTREAMS: api.url });
  cleanup.push(() => a.kill());
  const answer = await sendRaw(
    '127.0.0.1',
    portOf(a.url),
    'GET http://a:99999/ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
  );
  assert.equal(statusOf(answer), 400);
  assert.equal(a.child.exitCode, null, 'still running');
  assert.equal((await fetch(`${a.url}/`)).status, 200);
});

test('a bad target after the cool-down does not take the half-open trial for good', async () => {
  let healthy = false;
  const api = await startHttpServer((_req, res) => res.writeHead(healthy ? 200 : 500).end());
  cleanup.push(() => api.close());
  const a = await startAmbassador({
    UPSTREAMS: api.url,
    RETRIES: '0',
    BREAKER_FAILURES: '1',
    BREAKER_COOLDOWN: '300ms',
  });
  cleanup.push(() => a.kill());
  assert.equal((await fetch(`${a.url}/`)).status, 500, 'opens the circuit');
  await new Promise((r) => setTimeout(r, 400));
  healthy = true;
  for (const target of ['http://a:99999/', 'http:///', '*']) {
    const answer = await sendRaw('127.0.0.1', portOf(a.url), `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(statusOf(answer), 400, target);
  }
  assert.equal((await fetch(`${a.url}/`)).status, 200, 'the trial is still free, and closes the circuit');
  const name = `127.0.0.1:${api.port}`;
  const text = await (await fetch(`${a.ops}/metrics`)).text();
  assert.equal(sample(text, `http_ambassador_circuit_state{upstream="${name}",state="closed"}`), 1);
});

test("the credential is scrubbed from the upstream's 101 answer", async () => {
  const api = await startHttpServer((_req, res) => res.writeHead(426).end());
  cleanup.push(() => api.close());
  api.server.on('upgrade', (req, socket) => {
    // An upstream that echoes what it was sent, the credential included.
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nx-echo-auth: ${req.headers.authorization}\r\nx-kept: yes\r\n\r\n`,
    );
    cleanup.push(() => socket.destroy());
  });
  const token = join(tempDir('ambassador-ws-scrub-'), 'token');
  writeFileSync(token, 'ws-secret-token');
  const a = await startAmbassador({ UPSTREAMS: api.url, AUTH_BEARER_FILE: token });
  cleanup.push(() => a.kill());
  const req = request(`${a.url}/socket`, { headers: { connection: 'Upgrade', upgrade: 'websocket' } });
  req.end();
  const [res, socket] = (await once(req, 'upgrade')) as [IncomingMessage, Socket];
  socket.destroy();
  assert.equal(res.statusCode, 101);
  assert.equal(res.headers['x-kept'], 'yes');
  assert.equal(res.headers['x-echo-auth'], undefined, 'the token never comes back');
  assert.doesNotMatch(JSON.stringify(res.headers), /ws-secret-token/);
});
