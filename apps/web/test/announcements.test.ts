// Announcements through the HTTP ambassador: a real HTTP server stands in for the ambassador on
// localhost, answering as the ambassador does (its x-ambassador-* headers), well and badly.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startHttpServer } from '@pod-patterns/testing';
import { FakeSyncRoot, startWeb, type Web } from './helpers.js';

let answer: { status: number; headers: Record<string, string>; body: string } = { status: 200, headers: {}, body: '' };
const ambassador = await startHttpServer((_req, res) => res.writeHead(answer.status, answer.headers).end(answer.body));
const root = new FakeSyncRoot();
root.publish({ 'index.html': '<h1>home</h1>' });
const webs: Web[] = [];
after(async () => {
  for (const w of webs) w.kill();
  await ambassador.close();
});

async function web(): Promise<Web> {
  const w = await startWeb({ CONTENT_DIR: root.link, ANNOUNCEMENTS_URL: `${ambassador.url}/announcements.json` });
  webs.push(w);
  return w;
}
const status = async (w: Web) =>
  ((await (await fetch(`${w.base}/_pod/status`)).json()) as { announcements: Record<string, unknown> }).announcements;

test('/_pod shows the announcements and what the ambassador did for them', async () => {
  answer = {
    status: 200,
    headers: { 'content-type': 'application/json', 'x-ambassador-upstream': 'config-api', 'x-ambassador-tries': '2' },
    body: JSON.stringify({ announcements: ['Maintenance <b>Sunday</b>'] }),
  };
  const w = await web();
  const { fetched_at, ...rest } = await status(w);
  assert.deepEqual(rest, { ok: true, items: ['Maintenance <b>Sunday</b>'], upstream: 'config-api', tries: 2 });
  assert.ok(fetched_at);
  const page = await (await fetch(`${w.base}/_pod`)).text();
  assert.match(page, /Maintenance &lt;b&gt;Sunday&lt;\/b&gt;/, 'escaped, never raw HTML');
  assert.match(page, /brokered it to <code>config-api<\/code> in 2 tries/);
  assert.equal(ambassador.requests.length, 1, 'cached between dashboard refreshes');
});

test("the ambassador's own failure, a bad answer, or no ambassador: the page renders and says why", async () => {
  const cases: [typeof answer | 'down', RegExp][] = [
    [
      { status: 503, headers: { 'x-ambassador-error': 'circuit_open' }, body: '{}' },
      /HTTP 503 from the ambassador: circuit_open/,
    ],
    [{ status: 200, headers: {}, body: '{"announcements": [1]}' }, /no "announcements" list of strings/],
    [{ status: 200, headers: {}, body: 'not json' }, /JSON|Unexpected/],
    // Too large, streamed (chunked) and declared: refused either way, never read whole.
    [
      { status: 200, headers: {}, body: JSON.stringify({ announcements: ['x'.repeat(70_000)] }) },
      /the body goes past the limit of 65536 bytes/,
    ],
    [
      { status: 200, headers: { 'content-length': '70000' }, body: 'x'.repeat(70_000) },
      /the body is 70000 bytes, over the limit of 65536/,
    ],
  ];
  for (const [given, reason] of cases) {
    if (given !== 'down') answer = given;
    const w = await web();
    const s = await status(w);
    assert.equal(s.ok, false);
    assert.match(String(s.reason), reason);
    const page = await fetch(`${w.base}/_pod`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Announcements unavailable/);
    assert.equal((await fetch(`${w.base}/`)).status, 200, 'the site does not depend on them');
  }
  const gone = await startWeb({ CONTENT_DIR: root.link }); // ANNOUNCEMENTS_URL at a closed port
  webs.push(gone);
  assert.match(String((await status(gone)).reason), /the ambassador did not answer/);
});
