import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).trim().split('\n'));
      done();
    },
  });
  return { stream, lines };
}

test('writes one JSON line per event with the service name and version', () => {
  const { stream, lines } = capture();
  const logger = createLogger({ name: 'web', version: '1.0.0', level: 'info', destination: stream });
  logger.info({ route: '/' }, 'served');
  logger.debug('not at info');
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0] as string);
  assert.equal(entry.service, 'web');
  assert.equal(entry.version, '1.0.0');
  assert.equal(entry.level, 'info');
  assert.equal(entry.msg, 'served');
  assert.match(entry.time, /^\d{4}-\d\d-\d\dT/);
});

test('redacts secrets by key, at any of the usual depths', () => {
  const { stream, lines } = capture();
  const logger = createLogger({ name: 'web', version: '1', level: 'info', destination: stream });
  logger.info(
    {
      password: 'hunter2-top',
      req: { headers: { authorization: 'Bearer tok-abc', host: 'example.com' } },
      source: { auth: { token: 'tok-nested' } },
      config: { redis: { auth: { secret: 'deep-secret' } } },
    },
    'request',
  );
  const text = lines.join('\n');
  for (const secret of ['hunter2-top', 'tok-abc', 'tok-nested', 'deep-secret']) {
    assert.doesNotMatch(text, new RegExp(secret), `${secret} leaked`);
  }
  const entry = JSON.parse(lines[0] as string);
  assert.equal(entry.password, '[redacted]');
  assert.equal(entry.req.headers.authorization, '[redacted]');
  assert.equal(entry.req.headers.host, 'example.com', 'non-secret fields are kept');
});
