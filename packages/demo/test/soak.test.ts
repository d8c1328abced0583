// npm run soak, short: 60 seconds of the demo pod under traffic with a shard killed, the
// upstream failing, git-sync killed and a shard paused past the ambassador's timeout, commits
// pushed throughout, then SIGTERM. The same assertions as a long run: no failed page request, no
// page served half from another revision, every commit served, visits lost only under a Redis
// fault, announcements back, nothing left behind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnNode } from '@pod-patterns/testing';
import { noRedis } from './helpers.js';

const soak = fileURLToPath(new URL('../dist/soak/main.js', import.meta.url));

test('npm run soak -- --seconds 60: 0 failed page requests through every fault and the SIGTERM drain', {
  skip: noRedis,
  timeout: 300_000,
}, async (t) => {
  const run = spawnNode(soak, ['--seconds', '60'], { env: { PATH: process.env.PATH } });
  const code = await run.exited;
  const out = run.stdout();
  t.diagnostic(out.slice(out.indexOf('fault in force')));
  assert.equal(code, 0, `the soak found problems:\n${out.slice(-3000)}\n${run.stderr().slice(-2000)}`);
  const last = out.trim().split('\n').at(-1) ?? '';
  const [, requests, failed, faults] = /^(\d+) requests, (\d+) failed page requests, (\d+) faults$/.exec(last) ?? [];
  assert.ok(requests, `the closing line: ${last}`);
  assert.equal(Number(failed), 0);
  assert.ok(Number(requests) > 1000, `${requests} requests in 60 s`);
  assert.ok(Number(faults) >= 8, `${faults} faults: 4 scheduled, commits, SIGTERM`);
  for (const fault of [
    'redis-0 killed',
    'upstream answers 500',
    'git-sync killed',
    'redis-1 paused (SIGSTOP)',
    'SIGTERM (drain)',
  ])
    assert.match(
      out,
      new RegExp(`^${fault.replace(/[()]/g, '\\$&')} \\| \\d+ \\(0\\)`, 'm'),
      `${fault}: pages, none failed`,
    );
  assert.match(out, /left behind: nothing/);
  assert.match(out, /commits: (\d+) pushed, \1 served; pages whose body was not their revision's: 0/);
});
