import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnNode, startHttpServer } from '@pod-patterns/testing';
import { entrypoint, readJson, runInit, tempDir } from './helpers.js';

const servers: { close(): Promise<void> }[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function serve(handler: Parameters<typeof startHttpServer>[0]) {
  const server = await startHttpServer(handler);
  servers.push(server);
  return server;
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

test('success on the first try: canonical JSON, mode 0640, the kubelet-style atomic layout', async () => {
  const server = await serve(json({ title: 'Hello', features: { b: true, a: false } }));
  const dir = tempDir();
  const run = await runInit({ CONFIG_URL: `${server.url}/app`, CONFIG_OUTPUT: join(dir, 'app.json') });
  assert.equal(run.code, 0, run.output);
  assert.equal(server.requests.length, 1);
  assert.equal(
    readFileSync(join(dir, 'app.json'), 'utf8'),
    '{\n  "features": {\n    "a": false,\n    "b": true\n  },\n  "title": "Hello"\n}\n',
  );
  assert.equal(readlinkSync(join(dir, 'app.json')), '..data/app.json');
  assert.match(readlinkSync(join(dir, '..data')), /^\.\.\d{4}_\d\d_\d\d_/);
  assert.equal(statSync(join(dir, 'app.json')).mode & 0o777, 0o640);
  const fetched = run.logs().find((l) => l.msg === 'fetched');
  assert.equal(fetched?.attempt, 1);
  assert.equal(fetched?.status, 200);
  assert.equal(run.logs().at(-1)?.msg, 'config published');
});

test('503, 503, then 200: retried with backoff, Retry-After honoured', async () => {
  let calls = 0;
  const server = await serve((req, res) => {
    calls += 1;
    if (calls === 1) return json('busy', 503)(req, res);
    if (calls === 2) return json('busy', 503, { 'retry-after': '1' })(req, res);
    return json({ ok: true })(req, res);
  });
  const dir = tempDir();
  const run = await runInit({
    CONFIG_URL: server.url,
    CONFIG_OUTPUT: join(dir, 'app.json'),
    CONFIG_BACKOFF_INITIAL: '200ms',
  });
  assert.equal(run.code, 0, run.output);
  const [first, second, third] = server.requests.map((r) => r.at) as [number, number, number];
  const failures = run.logs().filter((l) => l.msg === 'attempt failed');
  // The first wait is what the process chose (full jitter under the 200ms ceiling), read from its
  // log: the server's clock would add however long a loaded machine takes to send the retry.
  const firstDelay = failures[0]?.nextDelayMs as number;
  assert.ok(firstDelay >= 0 && firstDelay <= 200, `the first retry waits at most the 200ms ceiling: ${firstDelay}`);
  assert.ok(second - first >= firstDelay, `and waits that long: ${second - first}ms`);
  assert.ok(third - second >= 1000, `Retry-After: 1 is honoured, waited ${third - second}`);
  assert.deepEqual(
    failures.map((l) => [l.attempt, l.status]),
    [
      [1, 503],
      [2, 503],
    ],
  );
  assert.equal(failures[1]?.retryAfterMs, 1000);
  assert.ok((failures[1]?.nextDelayMs as number) >= 1000);
  assert.deepEqual(readJson(join(dir, 'app.json')), { ok: true });

  // The status document web's /_pod reads, published in the same generation as the config.
  assert.equal(readlinkSync(join(dir, 'config-init-status.json')), '..data/config-init-status.json');
  const status = readJson(join(dir, 'config-init-status.json')) as Record<string, unknown>;
  assert.ok(!Number.isNaN(Date.parse(String(status.fetched_at))));
  assert.deepEqual(status.sources, [
    { url: new URL(server.url).href, file: 'app.json', attempts: 3, status: 200, bytes: 11 },
  ]);
});

test("an output named like config-init's status file is refused (exit 78)", async () => {
  const dir = tempDir();
  const run = await runInit({ CONFIG_URL: 'http://127.0.0.1:1/', CONFIG_OUTPUT: join(dir, 'config-init-status.json') });
  assert.equal(run.code, 78, run.output);
  assert.match(run.output, /config-init-status\.json is the name of config-init's own status file/);
});

test('a server that never answers: per-attempt timeouts, then the deadline, exit 69, no file', async () => {
  const server = await serve(() => {}); // accepts, never responds
  const dir = tempDir();
  const termination = join(dir, 'termination-log');
  const run = await runInit({
    CONFIG_URL: server.url,
    CONFIG_OUTPUT: join(dir, 'app.json'),
    CONFIG_TIMEOUT: '300ms',
    CONFIG_DEADLINE: '3s',
    TERMINATION_LOG_PATH: termination,
  });
  assert.equal(run.code, 69, run.output);
  // Timed by the process's own log, from its first line to its last: the run the deadline bounds,
  // without the process start, which a loaded 2-core machine can stretch by seconds. The bounds
  // leave a loaded machine room and still fail without them: the default deadline is 2 minutes,
  // and an attempt without its timeout would last until the deadline.
  const times = run.logs().map((l) => Date.parse(l.time as string));
  const took = Math.max(...times) - Math.min(...times);
  assert.ok(took < 5000, `the deadline bounds the run (${took}ms)`);
  const attempts = run.logs().filter((l) => l.msg === 'attempt failed');
  assert.ok(attempts.length >= 2, 'several attempts');
  for (const a of attempts) assert.ok((a.durationMs as number) < 1500, `each attempt times out (${a.durationMs}ms)`);
  assert.equal(existsSync(join(dir, 'app.json')), false);
  assert.match(readFileSync(termination, 'utf8'), /^config-init: unreachable: .*CONFIG_DEADLINE=3s/);
  assert.match(run.logs().at(-1)?.msg as string, /^failed: .*deadline/);
});

test('connection refused is retried until the deadline, then exit 69', async () => {
  // Port 1 on loopback: nothing listens there. (A port freed by closing a server was taken by a
  // server of a test running beside this one once, and the run met its 404.)
  const url = 'http://127.0.0.1:1/';
  const dir = tempDir();
  const run = await runInit({ CONFIG_URL: url, CONFIG_OUTPUT: join(dir, 'app.json'), CONFIG_DEADLINE: '800ms' });
  assert.equal(run.code, 69, run.output);
  assert.match(run.output, /ECONNREFUSED/);
});

for (const status of [404, 401, 403, 400]) {
  test(`${status} fails at once with exit 77, no retry`, async () => {
    const server = await serve(json({ error: 'no' }, status));
    const dir = tempDir();
    const run = await runInit({ CONFIG_URL: server.url, CONFIG_OUTPUT: join(dir, 'app.json') });
    assert.equal(run.code, 77, run.output);
    assert.equal(server.requests.length, 1);
    assert.match(run.logs().at(-1)?.msg as string, new RegExp(`HTTP ${status}`));
  });
}

test('a redirect is refused with the new location named', async () => {
  const server = await serve((_req, res) => {
    res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
    res.end();
  });
  const run = await runInit({ CONFIG_URL: server.url, CONFIG_OUTPUT: join(tempDir(), 'app.json') });
  assert.equal(run.code, 77);
  assert.match(run.output, /redirected to http:\/\/127.0.0.1:1\/elsewhere/);
});

test('invalid content gets exit 65 and leaves the previous valid output untouched', async (t) => {
  const dir = tempDir();
  const output = join(dir, 'app.json');
  const schema = join(dir, 'schema.json');
  writeFileSync(
    schema,
    JSON.stringify({
      type: 'object',
      required: ['title'],
      properties: { title: { type: 'string' }, port: { type: 'integer' }, home: { type: 'string', format: 'uri' } },
    }),
  );
  let body: string = JSON.stringify({ title: 'v1', port: 80, site: { name: 'x' } });
  const server = await serve((req, res) => json(body)(req, res));
  const env = {
    CONFIG_URL: server.url,
    CONFIG_OUTPUT: output,
    CONFIG_SCHEMA_FILE: schema,
    CONFIG_REQUIRED_KEYS: 'site.name',
  };
  assert.equal((await runInit(env)).code, 0);
  const good = readFileSync(output, 'utf8');

  const cases: [string, string, RegExp][] = [
    ['invalid JSON', '{"title": "v2",', /not valid JSON/],
    [
      'schema violation',
      JSON.stringify({ title: 'v2', port: 'eighty', site: { name: 'x' } }),
      /schema: \/port must be integer/,
    ],
    [
      'bad format',
      JSON.stringify({ title: 'v2', home: 'not a uri', site: { name: 'x' } }),
      /schema: \/home must match format "uri"/,
    ],
    ['missing required key', JSON.stringify({ title: 'v2', site: {} }), /required key site.name is missing/],
  ];
  for (const [name, bad, message] of cases) {
    await t.test(name, async () => {
      body = bad;
      const run = await runInit(env);
      assert.equal(run.code, 65, run.output);
      assert.match(run.logs().at(-1)?.msg as string, message);
      assert.equal(readFileSync(output, 'utf8'), good, 'the previous output is untouched');
    });
  }
});

test('an oversize body is refused, declared or streamed', async () => {
  const big = JSON.stringify({ data: 'x'.repeat(5000) });
  const declared = await serve(json(big));
  const streamed = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no content-length
    res.write(big.slice(0, 2500));
    res.end(big.slice(2500));
  });
  for (const server of [declared, streamed]) {
    const dir = tempDir();
    const run = await runInit({
      CONFIG_URL: server.url,
      CONFIG_OUTPUT: join(dir, 'app.json'),
      CONFIG_MAX_BYTES: '1000',
    });
    assert.equal(run.code, 65, run.output);
    assert.match(run.output, /limit of 1000( bytes)? \(CONFIG_MAX_BYTES\)/);
    assert.equal(existsSync(join(dir, 'app.json')), false);
  }
});

test('several sources where one fails: no partial set is published', async () => {
  const dir = tempDir();
  let failing = false;
  const server = await serve((req, res) => {
    if (req.url === '/b' && failing) return json({ error: 'gone' }, 404)(req, res);
    return json({ source: req.url, failing })(req, res);
  });
  const sources = join(dir, 'sources.yaml');
  const out = join(dir, 'out');
  writeFileSync(
    sources,
    `- url: ${server.url}/a\n  output: ${out}/a.json\n- url: ${server.url}/b\n  output: ${out}/b.json\n`,
  );
  assert.equal((await runInit({ CONFIG_SOURCES_FILE: sources })).code, 0);
  const before = [readFileSync(join(out, 'a.json'), 'utf8'), readFileSync(join(out, 'b.json'), 'utf8')];
  const generation = readlinkSync(join(out, '..data'));

  failing = true;
  const run = await runInit({ CONFIG_SOURCES_FILE: sources });
  assert.equal(run.code, 77, run.output);
  assert.deepEqual([readFileSync(join(out, 'a.json'), 'utf8'), readFileSync(join(out, 'b.json'), 'utf8')], before);
  assert.equal(readlinkSync(join(out, '..data')), generation, 'the published generation did not move');

  failing = false;
  writeFileSync(sources, `- url: ${server.url}/a\n  output: ${out}/a.json\n`);
  assert.equal((await runInit({ CONFIG_SOURCES_FILE: sources })).code, 0);
  assert.equal(existsSync(join(out, 'b.json')), false, 'a file dropped from the set is unpublished');
  assert.equal(lstatSync(join(out, 'a.json')).isSymbolicLink(), true);
});

test('credentials reach the server and never the logs', async (t) => {
  const dir = tempDir();
  const token = 'tok-7f3a9c1e5b';
  const password = 'pw-b8d2e6f0a4';
  writeFileSync(join(dir, 'token'), `${token}\n`);
  writeFileSync(join(dir, 'password'), password);
  const server = await serve((req, res) => {
    const auth = req.headers.authorization ?? '';
    const expected = [`Bearer ${token}`, `Basic ${Buffer.from(`demo:${password}`).toString('base64')}`];
    if (!expected.includes(auth)) return json({ error: 'unauthorized' }, 401)(req, res);
    return json({ ok: true })(req, res);
  });
  await t.test('bearer token', async () => {
    const run = await runInit({
      CONFIG_URL: server.url,
      CONFIG_OUTPUT: join(dir, 'a', 'app.json'),
      CONFIG_BEARER_TOKEN_FILE: join(dir, 'token'),
      LOG_LEVEL: 'trace',
    });
    assert.equal(run.code, 0, run.output);
    assert.doesNotMatch(run.output, new RegExp(token));
  });
  await t.test('basic auth', async () => {
    const run = await runInit({
      CONFIG_URL: server.url,
      CONFIG_OUTPUT: join(dir, 'b', 'app.json'),
      CONFIG_USERNAME: 'demo',
      CONFIG_PASSWORD_FILE: join(dir, 'password'),
      LOG_LEVEL: 'trace',
    });
    assert.equal(run.code, 0, run.output);
    assert.doesNotMatch(run.output, new RegExp(password));
  });
  await t.test('a secret given as a plain variable is refused without being echoed', async () => {
    const run = await runInit({ CONFIG_URL: server.url, CONFIG_BEARER_TOKEN: token });
    assert.equal(run.code, 78);
    assert.doesNotMatch(run.output, new RegExp(token));
  });
  await t.test('a URL with credentials is refused without being echoed', async () => {
    const url = new URL(server.url);
    url.username = 'demo';
    url.password = password;
    const run = await runInit({ CONFIG_URL: url.href });
    assert.equal(run.code, 78);
    assert.match(run.output, /the URL holds credentials/);
    assert.doesNotMatch(run.output, new RegExp(password));
  });
});

test('a file: source in YAML is written as canonical JSON', async () => {
  const dir = tempDir();
  const source = join(dir, 'app.yaml');
  writeFileSync(source, 'title: From YAML\nfeatures:\n  visits: true\n  beta: false\nlist: [1, 2]\n');
  const run = await runInit({ CONFIG_URL: `file://${source}`, CONFIG_OUTPUT: join(dir, 'out', 'app.json') });
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(readJson(join(dir, 'out', 'app.json')), {
    features: { beta: false, visits: true },
    list: [1, 2],
    title: 'From YAML',
  });
  const missing = await runInit({ CONFIG_URL: `file://${dir}/absent.json`, CONFIG_OUTPUT: join(dir, 'x.json') });
  assert.equal(missing.code, 77);
  assert.match(missing.output, /ENOENT/);
});

test('raw format is written byte for byte', async () => {
  const body = 'not json at all\n\u00e9\n';
  const server = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(body);
  });
  const dir = tempDir();
  const run = await runInit({ CONFIG_URL: `${server.url}/motd`, CONFIG_OUTPUT: join(dir, 'motd.txt') });
  assert.equal(run.code, 0, run.output);
  assert.equal(readFileSync(join(dir, 'motd.txt'), 'utf8'), body);
});

test('bad configuration of config-init itself: exit 78, every problem listed', async () => {
  const none = await runInit({});
  assert.equal(none.code, 78);
  assert.match(none.output, /nothing to fetch: set CONFIG_URL or CONFIG_SOURCES_FILE/);
  const bad = await runInit({ CONFIG_URL: 'ftp://x/y', CONFIG_TIMEOUT: 'soon', CONFIG_FILE_MODE: '999' });
  assert.equal(bad.code, 78);
  assert.match(bad.output, /CONFIG_TIMEOUT: expected a duration/);
  assert.match(bad.output, /CONFIG_FILE_MODE: expected an octal file mode/);
  const dir = tempDir();
  writeFileSync(join(dir, 's.yaml'), '- url: http://127.0.0.1/a\n  output: relative.json\n  colour: blue\n');
  const list = await runInit({ CONFIG_SOURCES_FILE: join(dir, 's.yaml') });
  assert.equal(list.code, 78);
  assert.match(list.logs().at(-1)?.msg as string, /source 1: Unrecognized key: "colour"/);
  writeFileSync(
    join(dir, 's.yaml'),
    '- url: http://127.0.0.1/a\n  output: relative.json\n- url: http://u:p@h/\n  output: /x/b\n',
  );
  const two = await runInit({ CONFIG_SOURCES_FILE: join(dir, 's.yaml') });
  assert.equal(two.code, 78);
  assert.match(
    two.logs().at(-1)?.msg as string,
    /source 1 \(relative.json\): output must be an absolute path; source 2 .*credentials/,
  );
});

test('SIGTERM while waiting to retry: exit 143, nothing written', async () => {
  const server = await serve(json('down', 503, { 'retry-after': '30' }));
  const dir = tempDir();
  const running = spawnNode(entrypoint, [], {
    env: { CONFIG_URL: server.url, CONFIG_OUTPUT: join(dir, 'app.json'), CONFIG_DEADLINE: '2m' },
  });
  await running.waitForLog('attempt failed');
  running.child.kill('SIGTERM');
  assert.equal(await running.exited, 143);
  assert.equal(existsSync(join(dir, 'app.json')), false);
  assert.match(running.stdout(), /stopped before it finished/);
});
