// The adapter's tests read web's /stats from test/fixtures/web-stats.json, so that they run
// wherever the adapter goes. This test, which needs web's README beside it, holds that copy to
// the example web documents: when web's stats change, the fixture (and the mapping) must follow.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { webStatsExample } from './helpers.js';

test("the fixture is the /stats example in web's README", () => {
  const readme = readFileSync(new URL('../../web/README.md', import.meta.url), 'utf8');
  const block = /<!-- stats-example:start -->\s*```json\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'web README has no stats example');
  assert.deepEqual(webStatsExample(), JSON.parse(block));
});
