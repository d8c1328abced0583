import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@pod-patterns/testing';
import { z } from 'zod';
import { ConfigError, defineEnv, envTable, loadEnv } from '../src/env.js';
import { bool, duration, integer, list, listen, listenOrOff, secret } from '../src/env-fields.js';
import { readSecretFile } from '../src/secret-file.js';
import { startFixture } from './helpers.js';

const schema = defineEnv({
  PORT: integer('Port the site listens on', 8080, 1, 65535),
  PERIOD: duration('How often to sync', '10s'),
  VERBOSE: bool('Log more', false),
  PEERS: list('Other hosts', ''),
  OPS_LISTEN: listen('Ops address', '0.0.0.0:9000'),
  REPO: z.string().describe('The repository'),
  PASSWORD: secret(z.string().min(12).optional().describe('Password for the remote')),
  TOKEN: secret(z.string().optional().describe('API token'), { fileOnly: true }),
});

const dir = tempDir('kit-env-');

test('parses a valid environment into a typed, frozen object', () => {
  const config = loadEnv(schema, {
    REPO: 'https://example.com/r.git',
    PERIOD: '1m30s',
    VERBOSE: 'true',
    PEERS: 'a, b,,',
  });
  assert.equal(config.PORT, 8080);
  assert.equal(config.PERIOD, 90_000);
  assert.equal(config.VERBOSE, true);
  assert.deepEqual(config.PEERS, ['a', 'b']);
  assert.deepEqual(config.OPS_LISTEN, { host: '0.0.0.0', port: 9000 });
  assert.equal(config.LOG_LEVEL, 'info');
  assert.ok(Object.isFrozen(config));
  assert.throws(() => {
    (config as { PORT: number }).PORT = 1;
  }, TypeError);
});

test('listen addresses: host:port, [v6]:port and :port (every address); listenOrOff also takes off', () => {
  const addresses = defineEnv({ A: listen('a', '0.0.0.0:1'), B: listenOrOff('b', 'off') });
  const read = (A: string, B?: string) => loadEnv(addresses, { A, ...(B === undefined ? {} : { B }) });
  assert.deepEqual(read('127.0.0.1:8080').A, { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(read('[::1]:0').A, { host: '::1', port: 0 });
  assert.deepEqual(read(':8090').A, { host: '0.0.0.0', port: 8090 });
  assert.equal(read(':1').B, undefined, 'the fallback turns it off');
  assert.deepEqual(read(':1', ':8091').B, { host: '0.0.0.0', port: 8091 });
  for (const bad of ['8080', 'host:', 'host:65536', 'a:b:1', 'off']) {
    const error = catchConfigError(() => read(bad));
    assert.match(error.message, new RegExp(`A: expected host:port such as 0\\.0\\.0\\.0:8080 or :8080, got "${bad}"`));
  }
  assert.match(catchConfigError(() => read(':1', 'nope')).message, /B: expected host:port/);
});

test('"false" is false, an empty variable is unset', () => {
  const config = loadEnv(schema, { REPO: 'r', VERBOSE: 'false', PORT: '' });
  assert.equal(config.VERBOSE, false);
  assert.equal(config.PORT, 8080);
});

test('every problem is reported at once, by name', () => {
  const error = catchConfigError(() =>
    loadEnv(schema, { PORT: '99999', PERIOD: 'soon', VERBOSE: 'maybe', OPS_LISTEN: 'nope', LOG_LEVEL: 'loud' }),
  );
  const names = error.problems.map((p) => p.split(':')[0]);
  assert.deepEqual(names.sort(), ['LOG_LEVEL', 'OPS_LISTEN', 'PERIOD', 'PORT', 'REPO', 'VERBOSE']);
  assert.match(error.message, /REPO: required but not set/);
  assert.match(error.message, /PERIOD: expected a duration like 500ms, 10s or 1m30s, got "soon"/);
  assert.match(error.message, /PORT: .*65535/);
});

test('NAME_FILE reads the value from a file, one trailing newline dropped', () => {
  const file = join(dir, 'password');
  writeFileSync(file, 'correct horse battery\n');
  const config = loadEnv(schema, { REPO: 'r', PASSWORD_FILE: file });
  assert.equal(config.PASSWORD, 'correct horse battery');
});

test('a bad secret is reported by variable and file, never by value', () => {
  const file = join(dir, 'short');
  writeFileSync(file, 'hunter2');
  const fromFile = catchConfigError(() => loadEnv(schema, { REPO: 'r', PASSWORD_FILE: file }));
  assert.match(fromFile.message, new RegExp(`PASSWORD \\(from PASSWORD_FILE ${file}\\)`));
  assert.doesNotMatch(fromFile.message, /hunter2/);
  const direct = catchConfigError(() => loadEnv(schema, { REPO: 'r', PASSWORD: 'hunter2' }));
  assert.doesNotMatch(direct.message, /hunter2/);
});

test('a missing file and a doubly-set variable are both errors', () => {
  const error = catchConfigError(() =>
    loadEnv(schema, { REPO: 'r', REPO_FILE: join(dir, 'x'), PASSWORD_FILE: join(dir, 'absent') }),
  );
  assert.match(error.message, /REPO: set REPO or REPO_FILE, not both/);
  assert.match(error.message, /PASSWORD_FILE: cannot read .*absent \(ENOENT\)/);
});

test('a file-only secret given as a plain variable is refused without echoing it', () => {
  const error = catchConfigError(() => loadEnv(schema, { REPO: 'r', TOKEN: 'tok-in-env' }));
  assert.match(error.message, /TOKEN: give it as TOKEN_FILE \(a mounted Secret\), not as a plain variable/);
  assert.doesNotMatch(error.message, /tok-in-env/);
  const file = join(dir, 'token');
  writeFileSync(file, 'tok-from-file');
  assert.equal(loadEnv(schema, { REPO: 'r', TOKEN_FILE: file }).TOKEN, 'tok-from-file');
});

test('a variable declared with a _FILE name of its own is not read as a file for its stem', () => {
  const own = defineEnv({
    HOSTS: bool('Check hosts', true),
    HOSTS_FILE: z.string().optional().describe('A hosts file path'),
  });
  const config = loadEnv(own, { HOSTS_FILE: '/etc/hosts' });
  assert.equal(config.HOSTS, true);
  assert.equal(config.HOSTS_FILE, '/etc/hosts');
});

test('the env table is generated from the schema', () => {
  const table = envTable(schema);
  assert.match(table, /^\| Variable \| Default \| Meaning \|/);
  assert.match(table, /\| `PERIOD` \| `10s` \| How often to sync \|/);
  assert.match(table, /\| `REPO` \| \*\*required\*\* \| The repository \|/);
  assert.match(table, /\| `PASSWORD` \| — \| Password for the remote Secret: prefer `PASSWORD_FILE`. \|/);
  assert.match(table, /\| `TOKEN` \| — \| API token Secret: only as `TOKEN_FILE`. \|/);
  assert.match(table, /\| `LOG_LEVEL` \| `info` \| .* One of: `fatal`/);
});

test('a real process exits 78 and lists every problem', async () => {
  const run = startFixture({ PORT: 'eighty', SLOW_MS: '-5', OPS_LISTEN: 'x' });
  assert.equal(await run.exited, 78);
  assert.match(run.stderr(), /fixture: invalid configuration:/);
  for (const name of ['PORT', 'SLOW_MS', 'OPS_LISTEN']) assert.match(run.stderr(), new RegExp(`- ${name}: `));
});

test('--help prints the env table and --version the version, both exit 0', async () => {
  const help = startFixture({}, ['--help']);
  assert.equal(await help.exited, 0);
  assert.match(help.stdout(), /\| `SLOW_MS` \| `500` \| How long \/slow takes \|/);
  const version = startFixture({}, ['--version']);
  assert.equal(await version.exited, 0);
  assert.equal(version.stdout(), '1.2.3\n');
});

function catchConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

test('readSecretFile drops one trailing newline and keeps everything else', () => {
  const dir = tempDir('kit-secret-');
  const cases: [string, string][] = [
    ['s3cret\n', 's3cret'],
    ['s3cret\r\n', 's3cret'],
    ['s3cret', 's3cret'],
    [' pass word \n\n', ' pass word \n'],
  ];
  for (const [i, [content, expected]] of cases.entries()) {
    const file = join(dir, `secret-${i}`);
    writeFileSync(file, content);
    assert.equal(readSecretFile(file), expected, JSON.stringify(content));
  }
});
