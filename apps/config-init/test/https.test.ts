import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeCertificates } from '@pod-patterns/testing';
import { readJson, runInit, tempDir } from './helpers.js';

const dir = tempDir();
const certs = makeCertificates();

const server = createServer(
  { key: readFileSync(certs.serverKey), cert: readFileSync(certs.serverCert) },
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"secure": true}');
  },
);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/app.json`;
after(() => server.close());

test('https with an untrusted certificate fails at once (77) and names CONFIG_CA_FILE', async () => {
  const run = await runInit({ CONFIG_URL: url, CONFIG_OUTPUT: join(dir, 'a', 'app.json') });
  assert.equal(run.code, 77, run.output);
  assert.match(run.output, /TLS: .*CONFIG_CA_FILE/);
  assert.equal(run.logs().filter((l) => l.msg === 'attempt failed; not retrying').length, 1);
});

test('https with the CA bundle from CONFIG_CA_FILE succeeds', async () => {
  const run = await runInit({ CONFIG_URL: url, CONFIG_OUTPUT: join(dir, 'b', 'app.json'), CONFIG_CA_FILE: certs.ca });
  assert.equal(run.code, 0, run.output);
  assert.deepEqual(readJson(join(dir, 'b', 'app.json')), { secure: true });
});
