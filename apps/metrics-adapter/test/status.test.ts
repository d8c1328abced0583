// The status document web's /_pod shows the adaptation from (README, "Status document").
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, test } from 'node:test';
import { startHttpServer } from '@pod-patterns/testing';
import { type Adapter, startAdapter, webStatsExample } from './helpers.js';

let respond: (res: ServerResponse) => void = (res) => res.writeHead(200).end(JSON.stringify(webStatsExample()));
const source = await startHttpServer((_req, res) => respond(res));
const adapters: Adapter[] = [];
after(async () => {
  for (const a of adapters) a.kill();
  await source.close();
});

interface Status {
  source: string;
  scrapes: number;
  last_scrape: { ok: boolean; error: string | null; from: string; source_json: string; exposition: string } | null;
}

test('/status: the last scrape, its source JSON beside the mapped exposition it made; reading it scrapes nothing', async () => {
  const a = await startAdapter({ ADAPTER_SOURCE_URL: `${source.url}/stats`, ADAPTER_CACHE_TTL: '0s' });
  adapters.push(a);
  const status = async () => (await (await fetch(`${a.url}/status`)).json()) as Status;
  assert.deepEqual(await status(), { source: `${source.url}/stats`, scrapes: 0, last_scrape: null });
  const seen = source.requests.length;
  await status();
  assert.equal(source.requests.length, seen, '/status does not read the source');

  const metrics = await (await fetch(`${a.url}/metrics`)).text();
  const doc = await status();
  assert.equal(doc.scrapes, 1);
  assert.equal(doc.last_scrape?.ok, true);
  assert.equal(doc.last_scrape?.from, '127.0.0.1');
  assert.deepEqual(JSON.parse(doc.last_scrape?.source_json ?? 'null'), webStatsExample());
  const mapped = doc.last_scrape?.exposition.split('\n') ?? [];
  assert.ok(mapped.length > 10, 'the mapped series are there');
  for (const line of mapped) {
    assert.ok(metrics.includes(line), `${line} is what /metrics served`);
    assert.match(line, /^(# (HELP|TYPE) )?web_/, 'only the series made from the source');
  }

  respond = (res) => res.writeHead(500).end();
  await fetch(`${a.url}/metrics`);
  const failed = await status();
  assert.equal(failed.scrapes, 2);
  assert.equal(failed.last_scrape?.ok, false);
  assert.match(String(failed.last_scrape?.error), /500/);
  assert.equal(failed.last_scrape?.source_json, null);
});
