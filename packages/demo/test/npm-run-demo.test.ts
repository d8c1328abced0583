// `npm run demo`'s own promise: the pod comes up with the URL to open, and one Ctrl-C (SIGINT to
// the whole foreground process group, as a terminal sends it) stops everything it started,
// removes its temp folders and leaves nothing listening.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@pod-patterns/testing';
import { noRedis } from './helpers.js';

const demoMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));

const listening = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

test('npm run demo: ready with a URL to open; one Ctrl-C stops it all, removes its folders, leaves nothing listening', async () => {
  // detached: a process group of its own, which the test signals as a terminal would.
  const demo = spawn(process.execPath, [demoMain], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout.on('data', (c) => {
    out += c;
  });
  demo.stderr.on('data', (c) => {
    out += c;
  });
  const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
  try {
    const url = await waitFor(
      () => /pod ready: open (http:\/\/[\d.]+:8080\/)/.exec(out)?.[1] ?? '',
      90_000,
      'the pod to be ready',
    );
    assert.match(await (await fetch(url)).text(), /Hello from git-sync/);
    const address = new URL(url).hostname;
    const folders = [/push to (\S+)\/git\/site/.exec(out)?.[1], /\(files in (\S+)\)/.exec(out)?.[1]] as string[];
    // The outside systems' ports, and every port the pod listens on at its address.
    const ports: [string, number][] = [
      ['127.0.0.1', Number(/config-api: http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1])],
      ['127.0.0.1', Number(/git-server: git:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1])],
      ...[8080, 9000, 9102, 9121, 8090, 6379].map((p): [string, number] => [address, p]),
    ];
    const shards = /redis shards on 127\.0\.0\.1:(\d+) and :(\d+)/.exec(out);
    if (!noRedis) for (const p of [shards?.[1], shards?.[2]]) ports.push(['127.0.0.1', Number(p)]);
    for (const f of folders) assert.ok(f && existsSync(f), `${f} exists while the demo runs`);
    for (const [host, port] of ports) assert.ok(await listening(host, port), `${host}:${port} listens while it runs`);

    process.kill(-(demo.pid as number), 'SIGINT');
    assert.equal(await exited, 0, out.slice(-2000));
    for (const f of folders) assert.equal(existsSync(f), false, `${f} is removed`);
    for (const [host, port] of ports)
      assert.equal(await listening(host, port), false, `${host}:${port} no longer listens`);
    assert.match(out, /SIGINT: stopping the pod/);
    assert.doesNotMatch(out, /git-sync: exited [1-9]/, 'git-sync was not cut off from its remote while stopping');
  } finally {
    // Stopped the way a user would, so a failed assertion leaves no pod behind.
    if (demo.exitCode === null) {
      process.kill(-(demo.pid as number), 'SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 45_000))]);
      if (demo.exitCode === null) process.kill(-(demo.pid as number), 'SIGKILL');
    }
  }
});
