import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rawGet, waitFor } from '@pod-patterns/testing';
import { FakeSyncRoot, startWeb, type Web } from './helpers.js';

const sync = new FakeSyncRoot();
let web: Web;
before(async () => {
  web = await startWeb({ CONTENT_DIR: sync.link });
});
after(() => web.kill());

test('before the first sync: a 503 page that says so, and not ready', async () => {
  const res = await rawGet(web.port, '/');
  assert.equal(res.status, 503);
  assert.equal(res.headers['retry-after'], '5');
  assert.match(res.body, /no content yet/);
  assert.match(res.body, /git-sync/);
  assert.equal((await rawGet(web.port, '/readyz')).status, 503);
  assert.equal((await rawGet(web.port, '/healthz')).status, 200, 'alive all the same');
});

test('after the first sync: index.html for directories, ETag and Cache-Control, 304 on revalidation', async () => {
  const sha = sync.publish({
    'index.html': '<h1>home</h1>',
    'docs/index.html': '<h1>docs</h1>',
    'docs/page.html': '<p>page</p>',
    'style.css': 'body{}',
    'inside-link.html': { symlink: 'docs/page.html' },
  });
  await waitFor(async () => (await rawGet(web.port, '/readyz')).status === 200, 15_000, 'ready');
  const home = await rawGet(web.port, '/');
  assert.equal(home.status, 200);
  assert.equal(home.body, '<h1>home</h1>');
  assert.equal(home.headers['x-content-revision'], sha);
  assert.match(String(home.headers['cache-control']), /max-age=60/);
  assert.ok(home.headers.etag);
  const again = await rawGet(web.port, '/', { 'if-none-match': String(home.headers.etag) });
  assert.equal(again.status, 304);

  assert.equal((await rawGet(web.port, '/docs/')).body, '<h1>docs</h1>');
  const redirect = await rawGet(web.port, '/docs?x=1');
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, '/docs/?x=1');
  assert.equal((await rawGet(web.port, '/inside-link.html')).body, '<p>page</p>', 'a link that stays inside is fine');
  assert.match(String((await rawGet(web.port, '/style.css')).headers['content-type']), /text\/css/);
});

test('helmet security headers are sent, the same from the cache as from express', async () => {
  const security = (h: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(h).filter(
        ([k]) =>
          /^(content-security|cross-origin|origin-agent|referrer|strict-transport|x-)/.test(k) &&
          k !== 'x-content-revision',
      ),
    );
  const fromCache = await rawGet(web.port, '/'); // cached by the earlier test
  const fromExpress = await rawGet(web.port, '/_pod/status');
  assert.match(String(fromCache.headers['content-security-policy']), /default-src 'self'/);
  assert.equal(fromCache.headers['x-content-type-options'], 'nosniff');
  assert.equal(fromCache.headers['x-frame-options'], 'SAMEORIGIN');
  assert.equal(fromCache.headers['x-powered-by'], undefined);
  assert.ok(Object.keys(security(fromCache.headers)).length >= 10);
  assert.deepEqual(security(fromCache.headers), security(fromExpress.headers));
});

test('HEAD gets the headers without a body', async () => {
  const res = await fetch(`${web.base}/`, { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-length'), String('<h1>home</h1>'.length));
  assert.equal(await res.text(), '');
});

test('a missing file gets a real 404 page', async () => {
  const res = await rawGet(web.port, '/nope.html');
  assert.equal(res.status, 404);
  assert.match(String(res.headers['content-type']), /text\/html/);
  assert.match(res.body, /There is no <code>\/nope.html<\/code>/);
});

test('traversal, encoded traversal, backslashes and NUL are refused', async () => {
  for (const path of [
    '/../../../../etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/docs/..%5c..%5c..%5cetc%5cpasswd',
    '/docs\\..\\..\\etc\\passwd',
    '/index.html%00.css',
    '/%252e%252e/%252e%252e/etc/passwd',
  ]) {
    const res = await rawGet(web.port, path);
    assert.ok(res.status === 400 || res.status === 404, `${path} -> ${res.status}`);
    assert.doesNotMatch(res.body, /root:/, `${path} leaked /etc/passwd`);
  }
});

test('a symlink that points out of the content root is never followed out', async () => {
  sync.publish({
    'index.html': 'v2',
    passwd: { symlink: '/etc/passwd' },
    'up.html': { symlink: '../../../../../../etc/passwd' },
    escape: { symlink: '/etc' },
    'sibling.html': { symlink: '../other/secret.html' },
  });
  await waitFor(async () => (await rawGet(web.port, '/')).body === 'v2', 15_000, 'new revision');
  for (const path of ['/passwd', '/up.html', '/escape/passwd', '/escape/', '/sibling.html']) {
    const res = await rawGet(web.port, path);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(res.body, /root:/);
  }
  assert.ok(web.logs().some((l) => l.msg === 'refused a path that resolves outside the content root'));
});

test('dotfiles and .git are never served', async () => {
  sync.publish({ 'index.html': 'v3', '.env': 'SECRET=1', '.git/config': '[core]', 'docs/.hidden': 'x' });
  await waitFor(async () => (await rawGet(web.port, '/')).body === 'v3', 15_000, 'new revision');
  for (const path of ['/.env', '/.git/config', '/docs/.hidden', '/.worktrees/', '/%2eenv']) {
    const res = await rawGet(web.port, path);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(res.body, /SECRET|\[core\]/);
  }
});

test('only GET and HEAD are served from the site', async () => {
  const res = await fetch(`${web.base}/`, { method: 'POST' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'GET, HEAD');
});
