import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startFixture as start } from './helpers.js';

// A fixture left running by a failed assertion would keep this file from ever finishing.
const runs: ReturnType<typeof start>[] = [];
const startFixture = (...args: Parameters<typeof start>) => {
  const run = start(...args);
  runs.push(run);
  return run;
};
after(() => {
  for (const run of runs) run.kill();
});

test('SIGTERM lets requests in flight finish, then exits 0', async () => {
  const run = startFixture({ SLOW_MS: '800' });
  const { port } = (await run.waitForLog('listening')) as { port: number };
  const slow = Array.from({ length: 5 }, () => fetch(`http://127.0.0.1:${port}/slow`).then((r) => r.text()));
  await new Promise((r) => setTimeout(r, 200));
  run.child.kill('SIGTERM');
  assert.deepEqual(await Promise.all(slow), Array(5).fill('done /slow'));
  assert.equal(await run.exited, 0);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`), 'no longer accepting');
  assert.match(run.stdout(), /"msg":"shutting down".*"reason":"SIGTERM"|"reason":"SIGTERM".*"msg":"shutting down"/);
});

test('readiness goes false at once while the pre-stop delay keeps serving', async () => {
  const run = startFixture({ PRE_STOP_DELAY: '1s' });
  const { port, opsPort } = (await run.waitForLog('listening')) as { port: number; opsPort: number };
  assert.equal((await fetch(`http://127.0.0.1:${opsPort}/readyz`)).status, 200);
  run.child.kill('SIGTERM');
  await run.waitForLog('shutting down');
  assert.equal((await fetch(`http://127.0.0.1:${opsPort}/readyz`)).status, 503);
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/fast`)).text(), 'done /fast', 'still serving');
  assert.equal(await run.exited, 0);
});

test('a closer that never finishes: exit 1 at the deadline', async () => {
  const run = startFixture({ HANG_ON_STOP: '1', SHUTDOWN_TIMEOUT: '300ms' });
  await run.waitForLog('listening');
  const started = Date.now();
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 1);
  assert.ok(Date.now() - started < 3000);
  assert.match(run.stdout(), /shutdown deadline passed/);
});

test('a second signal forces the exit', async () => {
  const run = startFixture({ HANG_ON_STOP: '1', SHUTDOWN_TIMEOUT: '60s' });
  await run.waitForLog('listening');
  run.child.kill('SIGTERM');
  await run.waitForLog('shutting down');
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 1);
  assert.match(run.stdout(), /second signal; exiting now/);
});
