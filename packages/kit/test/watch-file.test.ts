import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir, waitFor } from '@pod-patterns/testing';
import { replaceSymlink } from '../src/durable.js';
import { watchMountedFile } from '../src/watch-file.js';

test("watchMountedFile sees the kubelet's ..data swap and an edit, not a read; stopping it stops the calls", async () => {
  // The kubelet's layout: servers -> ..data/servers, ..data -> ..gen1
  const dir = tempDir('kit-watch-');
  for (const gen of ['..gen1', '..gen2']) {
    mkdirSync(join(dir, gen));
    writeFileSync(join(dir, gen, 'servers'), gen);
  }
  symlinkSync('..gen1', join(dir, '..data'));
  symlinkSync('..data/servers', join(dir, 'servers'));
  const file = join(dir, 'servers');
  const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000); // whole seconds: exact to set again
  utimesSync(file, mtime, mtime);
  let changes = 0;
  const stop = watchMountedFile(file, () => changes++, 20);
  await sleep(100); // the first poll sets what later ones compare with

  readFileSync(file);
  utimesSync(file, new Date(), mtime); // only atime moves
  await sleep(150);
  assert.equal(changes, 0, 'a read is no change');

  await replaceSymlink(join(dir, '..data'), '..gen2');
  await waitFor(() => changes === 1, 30_000, 'the swap to be seen');
  writeFileSync(join(dir, '..gen2', 'servers'), 'edited');
  utimesSync(file, new Date(), new Date(Date.now() + 10_000)); // a later mtime, even on a coarse clock
  await waitFor(() => changes === 2, 30_000, 'the edit to be seen');

  stop();
  await replaceSymlink(join(dir, '..data'), '..gen1');
  await sleep(150);
  assert.equal(changes, 2, 'no call after stop');
});
