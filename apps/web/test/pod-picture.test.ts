// /_pod as a picture: the pod drawn from its manifest, each helper's status document read from
// real HTTP servers on loopback (one good, one silent, one not JSON, one of the wrong shape),
// the event stream every open dashboard shares, the manifest view and the traffic control.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startHttpServer, tempDir, waitFor } from '@pod-patterns/testing';
import { MASK, parsePodManifest, readPodManifest } from '../src/pod-manifest.js';
import { FakeSyncRoot, startWeb, validConfig, type Web, writeConfig } from './helpers.js';

// k8s/demo.yaml, held to it by manifest-fixture.test.ts.
const demoManifest = fileURLToPath(new URL('fixtures/pod.yaml', import.meta.url));
const cleanup: (() => unknown)[] = [];
after(async () => {
  for (const close of cleanup.reverse()) await close();
});

test('the manifest: containers in the kubelet order (init, native sidecars, app), ports, mounts and lines', () => {
  const m = readPodManifest(demoManifest, 'demo-7c9f-abcde');
  assert.equal(m.problem, null);
  assert.equal(m.object, 'Deployment/demo');
  assert.deepEqual(
    m.containers.map((c) => [c.name, c.kind]),
    [
      ['config-init', 'init'],
      ['redis-ambassador', 'sidecar'],
      ['http-ambassador', 'sidecar'],
      ['git-sync', 'sidecar'],
      ['metrics-adapter', 'sidecar'],
      ['web', 'app'],
    ],
  );
  const web = m.containers.find((c) => c.name === 'web');
  assert.deepEqual(
    web?.mounts.find((x) => x.volume === 'content'),
    { volume: 'content', mountPath: '/content', readOnly: true },
  );
  assert.deepEqual(
    web?.ports.map((p) => `${p.scope}:${p.port}`),
    ['pod IP:8080', 'loopback:9000'],
  );
  const lines = m.text.split('\n');
  for (const c of m.containers) {
    assert.match(lines[c.lines.from - 1] ?? '', new RegExp(`- name: ${c.name}$`), `${c.name} starts at its line`);
    assert.ok(c.lines.to > c.lines.from);
  }
  const config = m.volumes.find((v) => v.name === 'config');
  assert.equal(config?.type, 'emptyDir, in memory');
  assert.match(lines[(config?.lines.from ?? 0) - 1] ?? '', /name: config,/);

  // Of several pods in one file (as k8s/patterns/ambassador), the one named as this pod.
  const several = [
    'kind: Pod\nmetadata: { name: pattern-redis }\nspec: { containers: [{ name: redis }] }',
    'kind: Service\nmetadata: { name: pattern-redis }',
    'kind: Pod\nmetadata: { name: pattern-ambassador }\nspec: { containers: [{ name: web }] }',
  ].join('\n---\n');
  const ambassador = parsePodManifest(several, 'pod.yaml', 'pattern-ambassador');
  assert.equal(ambassador.object, 'Pod/pattern-ambassador');
  assert.deepEqual(
    ambassador.containers.map((c) => c.name),
    ['web'],
  );
  assert.equal(parsePodManifest(several, 'pod.yaml', 'elsewhere').object, 'Pod/pattern-redis', 'else the first');
});

test('the manifest: missing, malformed, empty or pod-less input is a problem in words, never a throw', () => {
  assert.match(String(readPodManifest(undefined).problem), /POD_MANIFEST is empty/);
  assert.match(String(readPodManifest('/no/such/file').problem), /cannot read \/no\/such\/file \(ENOENT\)/);
  assert.match(String(parsePodManifest('a: [1, 2\nb: }', 'bad.yaml').problem), /bad\.yaml is not valid YAML/);
  assert.match(
    String(parsePodManifest('kind: Service\nmetadata: { name: x }\n', 'svc.yaml').problem),
    /declares no pod/,
  );
  assert.match(String(parsePodManifest('', 'empty.yaml').problem), /declares no pod/);
  assert.match(String(parsePodManifest('kind: Pod\nspec: { containers: [] }\n', 'p.yaml').problem), /no containers/);
  const odd = parsePodManifest(
    'kind: Pod\nspec:\n  containers: [7, { name: a, ports: [x], volumeMounts: 3 }]\n',
    'p.yaml',
  );
  assert.deepEqual(
    odd.containers.map((c) => [c.name, c.ports, c.mounts]),
    [['a', [], []]],
  );
});

test('the manifest: secret-looking env values and Secret data are masked, and every line stays where it was', () => {
  const raw = [
    'apiVersion: v1',
    'kind: Secret',
    'metadata: { name: creds }',
    'stringData:',
    '  password: |',
    '    hunter2',
    '    second-line',
    '---',
    'kind: Pod',
    'metadata: { name: p }',
    'spec:',
    '  containers:',
    '    - name: app',
    '      env:',
    '        - { name: DB_PASSWORD, value: s3cret-value }',
    '        - name: API_TOKEN',
    '          value: tok-123',
    '        - { name: MODE, value: fast }',
    '',
  ].join('\n');
  const m = parsePodManifest(raw, 'p.yaml');
  for (const secret of ['hunter2', 'second-line', 's3cret-value', 'tok-123'])
    assert.doesNotMatch(m.text, new RegExp(secret));
  assert.match(m.text, /MODE, value: fast/);
  assert.equal(m.text.split('\n').length, raw.split('\n').length, 'the line anchors still point at the same lines');
  assert.match(m.text.split('\n')[14] ?? '', new RegExp(`DB_PASSWORD, value: ${MASK}`));
  assert.equal(m.containers[0]?.lines.from, 13);
});

/** Helpers on loopback, answering /status as a real one would, or not at all. */
async function helpers() {
  const redisDoc = {
    sharded: true,
    servers: [
      { name: 's0', address: 'redis-0.redis:6379', state: 'ok', commands: 5, connections: 1, last_failure: null },
      {
        name: 's1',
        address: 'redis-1.redis:6379',
        state: 'failing',
        commands: 2,
        connections: 0,
        last_failure: { at: '2026-12-05T00:00:00.000Z', reason: 'connect ECONNREFUSED' },
      },
    ],
    keys: {},
  };
  const statusCalls: string[] = [];
  const good = await startHttpServer((req, res) => {
    if (req.url?.startsWith('/status')) statusCalls.push(req.url);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(req.url?.startsWith('/status') ? redisDoc : { ok: true }));
  });
  const silent = await startHttpServer(() => {}); // never answers
  const notJson = await startHttpServer((_req, res) => res.writeHead(200).end('<html>nope'));
  const wrongShape = await startHttpServer((_req, res) =>
    res.writeHead(200).end(JSON.stringify({ servers: [{ name: 7 }], keys: 'x', upstreams: 'y' })),
  );
  for (const s of [good, silent, notJson, wrongShape]) cleanup.push(() => s.close());
  const containers = [
    'config-init:init',
    `redis-ambassador:ambassador@${good.url}/readyz`,
    `http-ambassador:ambassador@${silent.url}/readyz`,
    `git-sync:sidecar@${notJson.url}/`,
    `metrics-adapter:adapter@${wrongShape.url}/healthz`,
    'web:main',
  ].join(',');
  return { containers, statusCalls };
}

async function webWithPicture(env: Record<string, string> = {}): Promise<Web & { statusCalls: string[] }> {
  const { containers, statusCalls } = await helpers();
  const sync = new FakeSyncRoot();
  sync.publish({ 'index.html': '<h1>home</h1>' });
  const web = await startWeb({
    CONTENT_DIR: sync.link,
    POD_CONTAINERS: containers,
    POD_MANIFEST: demoManifest,
    POD_NAME: 'demo-abc-123',
    POD_RUNTIME: 'compose',
    ...env,
  });
  cleanup.push(() => web.kill());
  return { ...web, statusCalls };
}

test('/_pod draws the manifest, says which helper it could not read and why, and web stays ready', async () => {
  const web = await webWithPicture();
  const page = await (await fetch(`${web.base}/_pod`)).text();
  const order = ['config-init', 'redis-ambassador', 'http-ambassador', 'git-sync', 'metrics-adapter', 'web'].map((n) =>
    page.indexOf(`id="box-${n}"`),
  );
  assert.ok(
    order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] as number))),
    `boxes in spec order: ${order}`,
  );
  assert.match(page, /id="volume-content"/);
  assert.match(page, /id="volume-config"/);
  assert.match(page, />\/content \(ro\)</);
  assert.match(page, /Redis s1.*\n.*redis-1\.redis:6379/);
  assert.match(page, /s1 is failing \(connect ECONNREFUSED\): only its keys fail/);
  assert.match(page, /docker compose stop redis-1/, 'the commands of its runtime');
  assert.doesNotMatch(page, /kubectl -n pod-patterns scale statefulset/, 'and not the others');

  const status = (await (await fetch(`${web.base}/_pod/status`)).json()) as {
    helpers: Record<string, { ok: boolean; error: string | null; report: { kind: string } | null }>;
  };
  assert.equal(status.helpers['redis-ambassador']?.report?.kind, 'redis');
  assert.match(String(status.helpers['http-ambassador']?.error), /^no answer/);
  assert.equal(status.helpers['git-sync']?.error, 'not JSON');
  assert.equal(status.helpers['metrics-adapter']?.error, 'not a documented status document');
  assert.equal(status.helpers['config-init']?.error, 'not written');
  assert.match(page, /Could not read:.*http-ambassador/s);
  assert.equal((await fetch(`${web.base}/readyz`)).status, 200);
});

test('a helper that sends without end is cut at 256 KiB, and web reads the others on', async () => {
  const endless = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const send = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', send);
    };
    send();
  });
  cleanup.push(() => endless.close());
  const web = await webWithPicture({
    POD_CONTAINERS: `git-sync:sidecar@${endless.url}/,web:main`,
  });
  const status = (await (await fetch(`${web.base}/_pod/status`)).json()) as {
    helpers: Record<string, { ok: boolean; error: string | null }>;
  };
  assert.equal(status.helpers['git-sync']?.ok, false);
  assert.match(String(status.helpers['git-sync']?.error), /past the limit of 262144 bytes/);
  assert.equal((await fetch(`${web.base}/_pod`)).status, 200);
});

test("config-init's document beside the config is read within the same 256 KiB bound", async () => {
  const status = async (document: string) => {
    const config = writeConfig(validConfig);
    writeFileSync(join(dirname(config), 'config-init-status.json'), document);
    const web = await webWithPicture({ CONFIG_FILE: config });
    const body = (await (await fetch(`${web.base}/_pod/status`)).json()) as {
      helpers: Record<string, { ok: boolean; error: string | null; report: { kind: string } | null }>;
    };
    return body.helpers['config-init'];
  };
  const fetched = { url: 'http://config-api/app.json', file: 'app.json', attempts: 1, status: 200, bytes: 90 };
  const report = { fetched_at: new Date().toISOString(), sources: [fetched] };
  assert.equal((await status(JSON.stringify(report)))?.report?.kind, 'config-init');
  const padded = JSON.stringify({ ...report, padding: 'x'.repeat(300 * 1024) });
  const tooLarge = await status(padded);
  assert.equal(tooLarge?.ok, false);
  assert.match(String(tooLarge?.error), /past the limit of 262144 bytes/);
});

test('/_pod without a manifest, or with a broken one: says so, and renders the rest', async () => {
  const dir = tempDir('web-manifest-');
  writeFileSync(join(dir, 'bad.yaml'), 'kind: Pod\nspec: [');
  for (const [file, problem] of [
    [join(dir, 'missing.yaml'), /cannot read .*missing\.yaml \(ENOENT\)/],
    [join(dir, 'bad.yaml'), /bad\.yaml is not valid YAML/],
  ] as const) {
    const web = await webWithPicture({ POD_MANIFEST: file });
    const res = await fetch(`${web.base}/_pod`);
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.match(page, problem);
    assert.match(page, /What each container reports/);
    assert.match(page, /Config <span class="badge">init<\/span>/);
    assert.equal((await fetch(`${web.base}/readyz`)).status, 200);
    assert.equal((await fetch(`${web.base}/_pod/manifest`)).status, 200);
  }
});

test('/_pod/manifest: every line has an anchor, and the asked lines are highlighted', async () => {
  const web = await webWithPicture();
  const m = readPodManifest(demoManifest);
  const gitSync = m.containers.find((c) => c.name === 'git-sync');
  const page = await (
    await fetch(`${web.base}/_pod/manifest?lines=${gitSync?.lines.from}-${gitSync?.lines.to}`)
  ).text();
  const highlighted = [...page.matchAll(/<span id="L(\d+)" data-n="\d+" class="hl">(.*?)<\/span>/g)];
  assert.equal(highlighted.length, (gitSync?.lines.to ?? 0) - (gitSync?.lines.from ?? 0) + 1);
  assert.match(highlighted[0]?.[2] ?? '', /- name: git-sync/);
  assert.equal([...page.matchAll(/<span id="L\d+"/g)].length, m.text.trimEnd().split('\n').length);
  const bogus = await fetch(`${web.base}/_pod/manifest?lines=<script>`);
  assert.equal(bogus.status, 200);
  assert.doesNotMatch(await bogus.text(), /class="hl"/);
});

/** Reads `n` events from /_pod/events, then closes the stream. */
function readEvents(base: string, n: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    get(`${base}/_pod/events`, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        const events = text.split('\n\n').filter((e) => e.startsWith('event: body'));
        if (events.length >= n) {
          res.destroy();
          resolve(events);
        }
      });
    }).on('error', reject);
  });
}

test('/_pod/events: ten dashboards share one read of the helpers a second', async () => {
  const web = await webWithPicture();
  await fetch(`${web.base}/_pod/status`); // the first read
  const before = web.statusCalls.length;
  const started = Date.now();
  const streams = await Promise.all(Array.from({ length: 10 }, () => readEvents(web.base, 3)));
  const seconds = (Date.now() - started) / 1000;
  for (const events of streams) {
    assert.match(events[0] ?? '', /^event: body\ndata: /);
    assert.match(events.join(''), /id="box-web"/);
  }
  const reads = web.statusCalls.length - before;
  assert.ok(
    reads <= Math.ceil(seconds) + 1,
    `${reads} reads of the helper in ${seconds.toFixed(1)} s for ten dashboards`,
  );
});

test('/_pod/traffic: a bounded batch of home page views, once per 10 s, never from another site', async () => {
  const web = await webWithPicture();
  const views = async () => {
    const stats = (await (await fetch(`http://127.0.0.1:${web.statsPort}/stats`)).json()) as {
      requests: Record<string, Record<string, number>>;
    };
    return stats.requests.site?.['200'] ?? 0;
  };
  const crossSite = await fetch(`${web.base}/_pod/traffic`, {
    method: 'POST',
    headers: { origin: 'http://evil.example' },
    redirect: 'manual',
  });
  assert.equal(crossSite.status, 403);
  const first = await fetch(`${web.base}/_pod/traffic`, {
    method: 'POST',
    headers: { origin: web.base },
    redirect: 'manual',
  });
  assert.equal(first.status, 303);
  assert.equal(first.headers.get('location'), '/_pod');
  const again = await fetch(`${web.base}/_pod/traffic`, { method: 'POST', redirect: 'manual' });
  assert.equal(again.status, 429);
  assert.ok(Number(again.headers.get('retry-after')) >= 8);
  await waitFor(async () => (await views()) >= 20, 10_000, 'twenty views');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await views(), 20, 'exactly the batch');
  assert.equal((await fetch(`${web.base}/_pod/traffic`)).status, 404, 'GET does nothing');
});

test("/_pod's CSP lets its script and stream load over plain HTTP (no upgrade-insecure-requests)", async () => {
  const web = await webWithPicture();
  const csp = (await fetch(`${web.base}/_pod`)).headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /upgrade-insecure-requests/);
});
