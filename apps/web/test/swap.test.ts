import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { rawGet } from '@pod-patterns/testing';
import { FakeSyncRoot, startWeb, type Web } from './helpers.js';

const sync = new FakeSyncRoot();
let web: Web;
before(async () => {
  sync.publish({ 'index.html': 'revision 0', 'about/index.html': 'about 0' }, 'sha-0');
  web = await startWeb({ CONTENT_DIR: sync.link });
});
after(() => web.kill());

test('swapping the link under a loop of requests: no error, no mixed revision', async () => {
  let stop = false;
  const seen = new Set<string>();
  const failures: string[] = [];
  const client = async () => {
    while (!stop) {
      for (const path of ['/', '/about/']) {
        const res = await rawGet(web.port, path);
        const sha = String(res.headers['x-content-revision']);
        const n = sha.replace('sha-', '');
        const expected = path === '/' ? `revision ${n}` : `about ${n}`;
        if (res.status !== 200 || res.body !== expected) failures.push(`${path}: ${res.status} ${sha} ${res.body}`);
        seen.add(sha);
      }
    }
  };
  const clients = Array.from({ length: 6 }, client);
  for (let n = 1; n <= 25; n++) {
    sync.publish({ 'index.html': `revision ${n}`, 'about/index.html': `about ${n}` }, `sha-${n}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  stop = true;
  await Promise.all(clients);
  assert.deepEqual(failures, []);
  assert.ok(seen.size > 5, `requests saw many revisions (${seen.size})`);
  const last = await rawGet(web.port, '/');
  assert.equal(last.body, 'revision 25');
});

test('a request that started on the old revision finishes on it, even when the old tree is deleted', async () => {
  const big = 'a'.repeat(8 * 1024 * 1024);
  sync.publish({ 'index.html': 'old', 'big.bin': big }, 'sha-big-old');
  await waitForRevision('sha-big-old');
  const body = await new Promise<string>((resolve, reject) => {
    get({ host: '127.0.0.1', port: web.port, path: '/big.bin' }, (res) => {
      res.pause(); // a slow client: the server is partway through the old file
      setTimeout(() => {
        sync.publish({ 'big.bin': 'b'.repeat(1024) }, 'sha-big-new');
        rmSync(join(sync.root, '.worktrees', 'sha-big-old'), { recursive: true, force: true });
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString()));
        res.on('error', reject);
        res.resume();
      }, 200);
    }).on('error', reject);
  });
  assert.equal(body.length, big.length);
  assert.ok(body === big, 'the whole old file, not a mix');
  assert.equal((await rawGet(web.port, '/big.bin')).body, 'b'.repeat(1024), 'the next request gets the new revision');
});

async function waitForRevision(sha: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await rawGet(web.port, '/')).headers['x-content-revision'] === sha) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`revision ${sha} never served`);
}
