// web's two ports against a hostile client: targets the URL parser throws on, the `//` open
// redirect, and an announcements source that redirects around the ambassador.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTILE_REQUESTS, rawGet, sendRaw, startHttpServer, statusOf } from '@pod-patterns/testing';
import { FakeSyncRoot, startWeb } from './helpers.js';

const sync = new FakeSyncRoot();
sync.publish({ 'index.html': 'home', 'docs/index.html': 'docs' });

test('every hostile request on the site and the stats port gets no 5xx, and web lives on', async () => {
  const web = await startWeb({ CONTENT_DIR: sync.link });
  try {
    for (const port of [web.port, web.statsPort])
      for (const { name, bytes } of HOSTILE_REQUESTS) {
        const status = statusOf(await sendRaw('127.0.0.1', port, bytes));
        // `GET //` is the site's root, a 200; what must never happen is a 5xx or a dead process.
        assert.ok(status === undefined || status < 500, `${port} ${name}: answered ${status}`);
      }
    assert.equal(web.child.exitCode, null, 'still running');
    assert.equal((await fetch(`${web.base}/`)).status, 200);
  } finally {
    web.kill();
  }
});

test("/_pod's own routes under odd input: no 5xx, and web lives on", async () => {
  const web = await startWeb({ CONTENT_DIR: sync.link, POD_MANIFEST: '/no/such/manifest.yaml' });
  try {
    const requests: [string, RequestInit?][] = [
      ['/_pod/manifest?lines=99999999-1'],
      ['/_pod/manifest?lines=1-2&lines=3-4'],
      ['/_pod/manifest?lines=%ZZ'],
      ['/_pod/traffic', { method: 'POST', headers: { origin: 'http://[::1' } }],
      ['/_pod/traffic', { method: 'POST', headers: { origin: 'null' } }],
      ['/_pod/traffic', { method: 'POST', headers: { 'sec-fetch-site': 'same-site' } }],
      ['/_pod/traffic', { method: 'PUT' }],
      ['/_pod/events', { method: 'POST' }],
    ];
    for (const [path, init] of requests) {
      const res = await fetch(`${web.base}${path}`, { ...init, redirect: 'manual' });
      await res.body?.cancel();
      assert.ok(res.status < 500, `${init?.method ?? 'GET'} ${path}: ${res.status}`);
    }
    const head = await rawGet(web.port, '/_pod/status');
    assert.equal(head.status, 200);
    assert.equal(web.child.exitCode, null, 'still running');
  } finally {
    web.kill();
  }
});

test('a folder asked for with leading slashes redirects to a path on this site, never to another host', async () => {
  const web = await startWeb({ CONTENT_DIR: sync.link });
  try {
    for (const path of ['//docs', '///docs', '/docs']) {
      const res = await rawGet(web.port, path);
      assert.equal(res.status, 301, path);
      assert.equal(res.headers.location, '/docs/', path);
    }
  } finally {
    web.kill();
  }
});

test('announcements: a redirect is not followed around the ambassador', async () => {
  let elsewhere = 0;
  const other = await startHttpServer((_req, res) => {
    elsewhere++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"announcements":["from elsewhere"]}');
  });
  const redirecting = await startHttpServer((_req, res) => res.writeHead(302, { location: `${other.url}/` }).end());
  const web = await startWeb({ CONTENT_DIR: sync.link, ANNOUNCEMENTS_URL: `${redirecting.url}/` });
  try {
    const status = (await (await fetch(`${web.base}/_pod/status`)).json()) as {
      announcements: { ok: boolean; reason?: string };
    };
    assert.equal(status.announcements.ok, false);
    assert.match(status.announcements.reason ?? '', /HTTP 302: redirects are not followed/);
    assert.equal(elsewhere, 0, 'the other host was never called');
  } finally {
    web.kill();
    await other.close();
    await redirecting.close();
  }
});
