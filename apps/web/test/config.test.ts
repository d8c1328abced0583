import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { spawnNode, tempDir, waitFor } from '@pod-patterns/testing';
import { entrypoint, FakeSyncRoot, startWeb, validConfig, writeConfig } from './helpers.js';

const sync = new FakeSyncRoot();
sync.publish({ 'index.html': 'x' });

async function startExpectingExit(configFile: string) {
  const run = spawnNode(entrypoint, [], {
    env: { PORT: '0', STATS_LISTEN: '127.0.0.1:0', CONFIG_FILE: configFile, CONTENT_DIR: sync.link },
  });
  return { code: await run.exited, stderr: run.stderr() };
}

test('a missing config file is a failed init: exit 78 with a clear message', async () => {
  const { code, stderr } = await startExpectingExit('/nonexistent/app.json');
  assert.equal(code, 78);
  assert.match(stderr, /cannot read \/nonexistent\/app.json \(ENOENT\): did config-init run\?/);
});

test('an invalid config file: exit 78 naming each problem', async () => {
  const notJson = await startExpectingExit(writeConfig('{"site": '));
  assert.equal(notJson.code, 78);
  assert.match(notJson.stderr, /is not valid JSON/);
  const badShape = await startExpectingExit(writeConfig({ site: { title: '' }, features: { visitCounter: 'yes' } }));
  assert.equal(badShape.code, 78);
  assert.match(badShape.stderr, /site.title: Too small/);
  assert.match(badShape.stderr, /features.visitCounter: Invalid input: expected boolean/);
});

test('hot reload: a valid change is applied, an invalid one keeps the old config', async () => {
  const dir = tempDir('web-reload-');
  const file = writeConfig(validConfig, dir);
  const web = await startWeb({ CONTENT_DIR: sync.link, CONFIG_FILE: file });
  const version = async () =>
    ((await (await fetch(`${web.base}/_pod/status`)).json()) as { config: { version: string } }).config.version;
  try {
    assert.equal(await version(), 'test-1');
    writeFileSync(file, JSON.stringify({ ...validConfig, version: 'test-2' }));
    await waitFor(async () => (await version()) === 'test-2', 15_000, 'reloaded config');
    writeFileSync(file, '{"site": {}}');
    await web.waitForLog('config change rejected; keeping the old config', 30_000);
    assert.equal(await version(), 'test-2');
    assert.equal((await fetch(`${web.base}/`)).status, 200, 'still serving');
  } finally {
    web.kill();
  }
});

test('the dashboard shows the config with secrets hidden', async () => {
  const web = await startWeb({ CONTENT_DIR: sync.link });
  try {
    const page = await (await fetch(`${web.base}/_pod`)).text();
    assert.match(page, /Test site/);
    assert.match(page, /Hello from the tests/);
    assert.match(page, /&quot;apiToken&quot;: &quot;••••••&quot;/);
    assert.doesNotMatch(page, /tok-should-be-hidden/);
    const status = await (await fetch(`${web.base}/_pod/status`)).text();
    assert.doesNotMatch(status, /tok-should-be-hidden/);
  } finally {
    web.kill();
  }
});

test('redaction fails closed: secrets in arrays, objects and URLs never reach /_pod or /_pod/status', async () => {
  const leaky = {
    site: { title: 'Leaky site', greeting: 'see https://deploy:greet-pw@example.test/status' },
    features: { visitCounter: true, podDashboard: true },
    version: 'leaky-1',
    apiKeys: ['sk_live_array_secret'],
    credentials: { pw: 'object-secret' },
    database: { url: 'postgres://app:url-secret@db/app' },
    sessionCookieSigner: 'signer-secret',
    webhookSecret: { value: 'nested-secret' },
    retries: 3,
  };
  const web = await startWeb({ CONTENT_DIR: sync.link, CONFIG_FILE: writeConfig(leaky) });
  try {
    const page = await (await fetch(`${web.base}/_pod`)).text();
    const status = await (await fetch(`${web.base}/_pod/status`)).text();
    for (const secret of [
      'sk_live_array_secret',
      'object-secret',
      'url-secret',
      'signer-secret',
      'nested-secret',
      'greet-pw',
    ]) {
      assert.doesNotMatch(page, new RegExp(secret), `${secret} on /_pod`);
      assert.doesNotMatch(status, new RegExp(secret), `${secret} on /_pod/status`);
    }
    const values = (JSON.parse(status) as { config: { values: Record<string, unknown> } }).config.values;
    assert.deepEqual(values, {
      site: { title: 'Leaky site', greeting: 'see https://••••••@example.test/status' },
      features: { visitCounter: true, podDashboard: true },
      version: 'leaky-1',
      apiKeys: '••••••',
      credentials: '••••••',
      database: '••••••',
      sessionCookieSigner: '••••••',
      webhookSecret: '••••••',
      retries: '••••••',
    });
  } finally {
    web.kill();
  }
});
