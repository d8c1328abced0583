import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guardPath } from '../src/path-guard.js';

test('plain paths become segments, percent-decoded', () => {
  assert.deepEqual(guardPath('/'), { ok: true, segments: [] });
  assert.deepEqual(guardPath('/docs/a%20b.html'), { ok: true, segments: ['docs', 'a b.html'] });
});

test('traversal in every spelling is refused with 400', () => {
  for (const path of [
    '/../etc/passwd',
    '/a/../../b',
    '/%2e%2e/x',
    '/%2E%2e/x',
    '/..%2fetc',
    '/a%2f..%2f..%2fetc',
    '/a\\b',
    '/%5c..',
    '/x%00.html',
    '/./a',
    '/%',
  ]) {
    const result = guardPath(path);
    assert.equal(result.ok, false, path);
    assert.equal(!result.ok && result.status, 400, path);
  }
});

test('dotfiles and .git answer as if absent (404)', () => {
  for (const path of ['/.git/config', '/.env', '/docs/.hidden', '/%2egit/HEAD', '/.worktrees/abc/index.html']) {
    const result = guardPath(path);
    assert.equal(!result.ok && result.status, 404, path);
  }
});
