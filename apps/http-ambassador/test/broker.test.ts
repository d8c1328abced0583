// The ambassador as a real process between a real client (fetch, node:http) and real upstream
// HTTP servers on free ports: what the app sees, and what the upstream sees.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { makeCertificates, startHttpServer, type TestServer, tempDir } from '@pod-patterns/testing';
import { pickByWeight, stickyPoint } from '../src/upstreams.js';
import { type Ambassador, sample, startAmbassador } from './helpers.js';

const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const close of cleanup.reverse()) await close();
});
async function ambassador(env: Record<string, string>, nodeArgs: string[] = []): Promise<Ambassador> {
  const a = await startAmbassador(env, nodeArgs);
  cleanup.push(() => a.kill());
  return a;
}
async function upstream(handler: Parameters<typeof startHttpServer>[0]): Promise<TestServer> {
  const server = await startHttpServer(handler);
  cleanup.push(() => server.close());
  return server;
}
const metrics = async (a: Ambassador) => (await fetch(`${a.ops}/metrics`)).text();

test('a plain call passes through: X-Forwarded-* set, hop-by-hop headers dropped both ways, no deprecation warning', async () => {
  const api = await upstream((req, res) => {
    res.writeHead(200, {
      'content-type': 'application/json',
      connection: 'x-upstream-private',
      'x-upstream-private': '1',
    });
    res.end(JSON.stringify({ url: req.url, headers: req.headers }));
  });
  // --throw-deprecation: a deprecation warning (http-proxy's DEP0060 on Node 22+) would end the process.
  const a = await ambassador({ UPSTREAMS: `${api.url}/base` }, ['--throw-deprecation']);
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) =>
    request(
      `${a.url}/v1/items?q=1`,
      { headers: { connection: 'keep-alive, x-client-private', 'x-client-private': 'secret' } },
      resolve,
    )
      .on('error', reject)
      .end(),
  );
  res.resume();
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['x-upstream-private'], undefined, 'a header the upstream listed in Connection is dropped');
  assert.equal(res.headers['x-ambassador-upstream'], `127.0.0.1:${api.port}`);
  const body = JSON.parse(
    await (await fetch(`${a.url}/v1/items?q=1`, { headers: { 'x-client-private': 'x' } })).text(),
  );
  assert.equal(body.url, '/base/v1/items?q=1');
  assert.equal(body.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(body.headers['x-forwarded-proto'], 'http');
  assert.equal(body.headers.host, `127.0.0.1:${api.port}`);
  assert.equal(a.stderr(), '', 'nothing on stderr: no warning of any kind');
  const last = api.requests.at(-2); // the node:http request, which listed x-client-private in Connection
  assert.equal(last?.headers['x-client-private'], undefined, 'a header the client listed in Connection is dropped');
});

test('credentials: the bearer token is injected, never handed back, and a rotated file takes effect', async () => {
  const api = await upstream((req, res) => {
    // An upstream that echoes the Authorization header back, as some debug endpoints do.
    res.writeHead(200, { 'x-echo': String(req.headers.authorization) }).end('ok');
  });
  const dir = tempDir('ambassador-secret-');
  const token = join(dir, 'token');
  writeFileSync(token, 'first-token\n');
  const a = await ambassador({ UPSTREAMS: api.url, AUTH_BEARER_FILE: token });
  const res = await fetch(`${a.url}/`, { headers: { authorization: 'Bearer from-the-app' } });
  assert.equal(res.status, 200);
  assert.equal(api.requests.at(-1)?.headers.authorization, 'Bearer first-token');
  assert.equal(res.headers.get('x-echo'), null, 'a response header carrying the credential is dropped');

  // Kubernetes rotates a Secret by swapping the file: write the new one beside it, rename over.
  writeFileSync(join(dir, 'token.new'), 'second-token\n');
  renameSync(join(dir, 'token.new'), token);
  const deadline = Date.now() + 5000;
  while (api.requests.at(-1)?.headers.authorization !== 'Bearer second-token' && Date.now() < deadline) {
    await fetch(`${a.url}/`);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(api.requests.at(-1)?.headers.authorization, 'Bearer second-token');
  const logs = JSON.stringify(a.logs());
  assert.ok(!logs.includes('first-token') && !logs.includes('second-token'), 'no token in the logs');
});

test('basic auth from a user:password file', async () => {
  const api = await upstream((_req, res) => res.writeHead(204).end());
  const file = join(tempDir('ambassador-basic-'), 'basic');
  writeFileSync(file, 'svc:p4ss\n');
  const a = await ambassador({ UPSTREAMS: api.url, AUTH_BASIC_FILE: file });
  assert.equal((await fetch(`${a.url}/`)).status, 204);
  assert.equal(api.requests.at(-1)?.headers.authorization, `Basic ${Buffer.from('svc:p4ss').toString('base64')}`);
});

test('retries: a GET through two 503s gets the 200; a POST is never retried; Retry-After is the floor', async () => {
  let failuresLeft = 0;
  const api = await upstream((req, res) => {
    req.resume();
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      res.writeHead(503, req.url === '/slow-down' ? { 'retry-after': '1' } : {}).end('busy');
      return;
    }
    res.writeHead(200).end('ok');
  });
  const a = await ambassador({ UPSTREAMS: api.url, RETRIES: '2' });
  failuresLeft = 2;
  const before = api.requests.length;
  const res = await fetch(`${a.url}/`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-ambassador-tries'), '3');
  assert.equal(api.requests.length - before, 3);
  assert.equal(
    sample(await metrics(a), `http_ambassador_retries_total{upstream="127.0.0.1:${api.port}",reason="503"}`),
    2,
  );

  failuresLeft = 1;
  const post = await fetch(`${a.url}/`, { method: 'POST', body: 'once' });
  assert.equal(post.status, 503, "a POST gets the upstream's own answer");
  assert.equal(await post.text(), 'busy');
  failuresLeft = 0;

  failuresLeft = 1;
  const started = Date.now();
  assert.equal((await fetch(`${a.url}/slow-down`)).status, 200);
  const [first, second] = api.requests.slice(-2);
  assert.ok(
    (second?.at ?? 0) - (first?.at ?? 0) >= 950,
    `the retry waited for Retry-After: ${Date.now() - started} ms`,
  );
});

test('timeouts: a silent upstream is cut at TRY_TIMEOUT and retried, TOTAL_TIMEOUT bounds it all; a closed port is a 502', async () => {
  const api = await upstream(() => {}); // never answers
  const a = await ambassador({ UPSTREAMS: api.url, TRY_TIMEOUT: '300ms', TOTAL_TIMEOUT: '1s', RETRIES: '10' });
  const started = Date.now();
  const res = await fetch(`${a.url}/`);
  const took = Date.now() - started;
  assert.equal(res.status, 504);
  assert.equal(res.headers.get('x-ambassador-error'), 'timeout');
  assert.match(await res.text(), /TRY_TIMEOUT/);
  // Without TOTAL_TIMEOUT, 10 tries of 300 ms would take 3 s at least; the bound leaves the rest
  // for a loaded 2-core CI machine, where only two tries may fit in the second.
  assert.ok(took >= 900 && took < 2900, `bounded by the total timeout: ${took} ms`);
  assert.ok(api.requests.length >= 2, `retried within it: ${api.requests.length} tries`);

  const closed = await ambassador({ UPSTREAMS: 'http://127.0.0.1:1', RETRIES: '1' });
  const refused = await fetch(`${closed.url}/`);
  assert.equal(refused.status, 502);
  assert.equal(refused.headers.get('x-ambassador-error'), 'connect_error');
  assert.match(await refused.text(), /ECONNREFUSED.*2 tries/);
});

test('the circuit opens after consecutive failures, fails fast, goes half-open after the cool-down and closes', async () => {
  let healthy = false;
  const api = await upstream((_req, res) => res.writeHead(healthy ? 200 : 500).end());
  const a = await ambassador({ UPSTREAMS: api.url, RETRIES: '0', BREAKER_FAILURES: '3', BREAKER_COOLDOWN: '500ms' });
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${a.url}/`)).status, 500);
  const seen = api.requests.length;
  const fast = await fetch(`${a.url}/`);
  assert.equal(fast.status, 503);
  assert.equal(fast.headers.get('x-ambassador-error'), 'circuit_open');
  assert.ok(Number(fast.headers.get('retry-after')) >= 1);
  assert.match(await fast.text(), /circuit open/);
  assert.equal(api.requests.length, seen, 'an open circuit does not call the upstream');
  assert.equal((await fetch(`${a.ops}/readyz`)).status, 503, 'not ready while every upstream is open');
  const name = `127.0.0.1:${api.port}`;
  assert.equal(sample(await metrics(a), `http_ambassador_circuit_state{upstream="${name}",state="open"}`), 1);

  await new Promise((r) => setTimeout(r, 600));
  assert.equal(sample(await metrics(a), `http_ambassador_circuit_state{upstream="${name}",state="half_open"}`), 1);
  healthy = true;
  assert.equal((await fetch(`${a.url}/`)).status, 200, 'the trial request goes through');
  const text = await metrics(a);
  assert.equal(sample(text, `http_ambassador_circuit_state{upstream="${name}",state="closed"}`), 1);
  for (const to of ['open', 'half_open', 'closed'])
    assert.equal(sample(text, `http_ambassador_circuit_transitions_total{upstream="${name}",to="${to}"}`), 1);
  assert.equal((await fetch(`${a.ops}/readyz`)).status, 200);
});

test('the weighted pick lands within statistical bounds over 100,000 draws, random and sticky', () => {
  const upstreams = [
    { name: 'stable', weight: 90 },
    { name: 'canary', weight: 10 },
  ];
  for (const point of [() => Math.random(), (i: number) => stickyPoint(`user-${i}`)]) {
    let canary = 0;
    for (let i = 0; i < 100_000; i++) if (pickByWeight(upstreams, point(i))?.name === 'canary') canary += 1;
    // Binomial(100000, 0.1): sd 95; five of them either way is a false alarm once in ~3.5 million runs.
    assert.ok(Math.abs(canary - 10_000) <= 475, `canary got ${canary} of 100000`);
  }
  assert.equal(pickByWeight([{ name: 'off', weight: 0 }], 0.5), undefined);
});

// Through the real ambassador, fewer requests and a bound as wide in standard deviations: the
// pick itself is measured above, this checks that the broker uses it for every request.
test('weighted splitting lands within statistical bounds over 2,000 requests, and sticky mode holds', async () => {
  const stable = await upstream((_req, res) => res.writeHead(200).end('stable'));
  const canary = await upstream((_req, res) => res.writeHead(200).end('canary'));
  const upstreams = `${stable.url} 90 stable, ${canary.url} 10 canary`;
  const a = await ambassador({ UPSTREAMS: upstreams });
  const counts = { stable: 0, canary: 0 };
  const total = 2_000;
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        next += 1;
        const res = await fetch(`${a.url}/`);
        counts[(await res.text()) as 'stable' | 'canary'] += 1;
      }
    }),
  );
  // Binomial(2000, 0.1): sd 13.4; five of them either way.
  assert.equal(counts.stable + counts.canary, total);
  assert.ok(Math.abs(counts.canary - 200) <= 67, `canary got ${counts.canary} of ${total}`);

  const sticky = await ambassador({ UPSTREAMS: upstreams, STICKY: 'header:x-user' });
  const variants = new Map<string, Set<string>>();
  for (let user = 0; user < 100; user++)
    for (let i = 0; i < 5; i++) {
      const body = await (await fetch(`${sticky.url}/`, { headers: { 'x-user': `user-${user}` } })).text();
      variants.set(`user-${user}`, (variants.get(`user-${user}`) ?? new Set()).add(body));
    }
  assert.ok(
    [...variants.values()].every((v) => v.size === 1),
    'each user keeps one variant',
  );
  const onCanary = [...variants.values()].filter((v) => v.has('canary')).length;
  assert.ok(onCanary > 0 && onCanary < 40, `some users, not most, are on the canary: ${onCanary}/100`);

  const cookie = await ambassador({ UPSTREAMS: upstreams, STICKY: 'cookie:exp' });
  const bodies = new Set<string>();
  for (let i = 0; i < 20; i++)
    bodies.add(await (await fetch(`${cookie.url}/`, { headers: { cookie: 'a=1; exp=user-7; b=2' } })).text());
  assert.equal(bodies.size, 1, 'the cookie pins the variant');
});

test('https upstreams: verified against TLS_CA_FILE, with a client certificate (mTLS)', async () => {
  const certs = makeCertificates();
  const api = createHttpsServer(
    {
      cert: readFileSync(certs.serverCert),
      key: readFileSync(certs.serverKey),
      ca: readFileSync(certs.ca),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) =>
      res.writeHead(200).end(`client ${(req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN}`),
  );
  api.listen(0, '127.0.0.1');
  await once(api, 'listening');
  cleanup.push(() => api.close());
  const port = (api.address() as { port: number }).port;
  const a = await ambassador({
    UPSTREAMS: `https://127.0.0.1:${port}`,
    TLS_CA_FILE: certs.ca,
    TLS_CERT_FILE: certs.clientCert,
    TLS_KEY_FILE: certs.clientKey,
  });
  const res = await fetch(`${a.url}/`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /^client /);

  const untrusted = await ambassador({ UPSTREAMS: `https://127.0.0.1:${port}`, RETRIES: '0' });
  const refused = await fetch(`${untrusted.url}/`);
  assert.equal(refused.status, 502, 'without the CA the upstream is not trusted');
  assert.match(await refused.text(), /certificate|CERT|SELF_SIGNED/i);
});

test('WebSocket: the upgrade passes through with the credentials, and bytes flow both ways', async () => {
  const api = await upstream((_req, res) => res.writeHead(426).end());
  let upgradeAuth: string | undefined;
  api.server.on('upgrade', (req, socket) => {
    upgradeAuth = req.headers.authorization;
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n');
    socket.on('data', (data) => socket.write(`echo:${data}`));
    // An upgraded socket is the test's to close: the server no longer tracks it.
    cleanup.push(() => socket.destroy());
  });
  const token = join(tempDir('ambassador-ws-'), 'token');
  writeFileSync(token, 'ws-token');
  const a = await ambassador({ UPSTREAMS: api.url, AUTH_BEARER_FILE: token });
  const req = request(`${a.url}/socket`, { headers: { connection: 'Upgrade', upgrade: 'websocket' } });
  req.end();
  const [res, socket] = (await once(req, 'upgrade')) as [
    import('node:http').IncomingMessage,
    import('node:net').Socket,
  ];
  assert.equal(res.statusCode, 101);
  socket.write('hello');
  const [echoed] = await once(socket, 'data');
  assert.equal(String(echoed), 'echo:hello');
  socket.destroy();
  assert.equal(upgradeAuth, 'Bearer ws-token');
});

test('the request body limit: 413 above MAX_BODY_BYTES, and a body within it arrives whole', async () => {
  let received = '';
  const api = await upstream(async (req, res) => {
    received = '';
    for await (const chunk of req) received += chunk;
    res.writeHead(200).end();
  });
  const a = await ambassador({ UPSTREAMS: api.url, MAX_BODY_BYTES: '1000' });
  const big = await fetch(`${a.url}/`, { method: 'POST', body: 'x'.repeat(2000) });
  assert.equal(big.status, 413);
  assert.equal(big.headers.get('x-ambassador-error'), 'body_too_large');
  // Sent chunked, with no length to refuse up front: refused where it passes the limit.
  const streamed = await fetch(`${a.url}/`, {
    method: 'POST',
    body: Readable.toWeb(Readable.from([Buffer.alloc(600), Buffer.alloc(600)])) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  assert.equal(streamed.status, 413);
  assert.equal(streamed.headers.get('x-ambassador-error'), 'body_too_large');
  const within = 'y'.repeat(900);
  assert.equal((await fetch(`${a.url}/`, { method: 'PUT', body: within })).status, 200);
  assert.equal(received, within);
});

test('a malformed or oversized upstream response is a clear 502, never a crash or a hung client', async () => {
  const garbage: TcpServer = createTcpServer((socket) => socket.end('this is not HTTP\r\n\r\n'));
  garbage.listen(0, '127.0.0.1');
  await once(garbage, 'listening');
  cleanup.push(() => garbage.close());
  const a = await ambassador({ UPSTREAMS: `http://127.0.0.1:${(garbage.address() as { port: number }).port}` });
  const bad = await fetch(`${a.url}/`);
  assert.equal(bad.status, 502);
  assert.equal(bad.headers.get('x-ambassador-error'), 'bad_response');
  assert.match(await bad.text(), /malformed response \(HPE_/);

  const huge = await upstream((req, res) => {
    if (req.url === '/declared') return res.writeHead(200, { 'content-length': '5000' }).end('z'.repeat(5000));
    res.writeHead(200); // chunked, no length: cut once past the limit
    res.end('z'.repeat(5000));
  });
  const small = await ambassador({ UPSTREAMS: huge.url, MAX_RESPONSE_BYTES: '1000' });
  const declared = await fetch(`${small.url}/declared`);
  assert.equal(declared.status, 502);
  assert.equal(declared.headers.get('x-ambassador-error'), 'response_too_large');
  const streamed = await fetch(`${small.url}/chunked`);
  await assert.rejects(streamed.text(), 'the body is cut, not passed on whole');
  assert.equal((await fetch(`${small.ops}/healthz`)).status, 200, 'the process lives on');
});

test('bad configuration exits 78 with a clear message: upstream list, weight, credential file', async () => {
  const { spawnNode } = await import('@pod-patterns/testing');
  const { entrypoint } = await import('./helpers.js');
  const cases: [Record<string, string>, RegExp][] = [
    [{ UPSTREAMS: 'not a url' }, /upstream 1: "not" is not a URL|expected "url \[weight\] \[name\]"/],
    [{ UPSTREAMS: 'http://a.example 1.5' }, /weight "1.5" is not a whole number/],
    [{ UPSTREAMS: 'http://a.example 0' }, /every upstream has weight 0/],
    [{ UPSTREAMS: 'http://u:p@a.example' }, /credentials in the URL/],
    [{ UPSTREAMS: 'http://a.example', AUTH_BEARER_FILE: '/nonexistent/token' }, /AUTH_BEARER_FILE: ENOENT/],
    [{ UPSTREAMS: 'http://a.example', STICKY: 'header:' }, /STICKY: expected off, header:<name> or cookie:<name>/],
  ];
  for (const [env, message] of cases) {
    const run = spawnNode(entrypoint, [], { env });
    assert.equal(await run.exited, 78, JSON.stringify(env));
    assert.match(run.stderr(), message);
    assert.ok(!run.stderr().includes(':p@'), 'a URL password is not echoed');
  }
});

test('SIGTERM drains: a call in flight finishes, then the process exits 0', async () => {
  const api = await upstream((_req, res) => setTimeout(() => res.writeHead(200).end('late'), 500));
  const a = await ambassador({ UPSTREAMS: api.url });
  const inFlight = fetch(`${a.url}/`);
  await new Promise((r) => setTimeout(r, 100));
  a.child.kill('SIGTERM');
  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'late');
  assert.equal(await a.exited, 0);
});
