import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@pod-patterns/testing';
import { replaceSymlink, TEMP_LINK_PREFIX } from '../src/durable.js';

test('replaceSymlink swaps the target while a reader never finds the link missing', async () => {
  const dir = tempDir('kit-durable-');
  for (const name of ['a', 'b']) writeFileSync(join(dir, name), name);
  const link = join(dir, 'current');
  await replaceSymlink(link, 'a');
  let misses = 0;
  let reads = 0;
  const reader = setInterval(() => {
    reads++;
    try {
      readlinkSync(link);
    } catch {
      misses++;
    }
  }, 0);
  for (let i = 0; i < 200; i++) await replaceSymlink(link, i % 2 ? 'a' : 'b');
  clearInterval(reader);
  assert.ok(reads > 10, `the reader ran (${reads} reads)`);
  assert.equal(misses, 0);
  assert.equal(readlinkSync(link), 'a');
  assert.deepEqual(readdirSync(dir).sort(), ['a', 'b', 'current'], 'no temporary link left');
});

test('replaceSymlink: a link already there is left as it is; a failed rename leaves no temporary link', async () => {
  const dir = tempDir('kit-durable-');
  const link = join(dir, 'current');
  await replaceSymlink(link, 'a');
  const before = lstatSync(link).ino;
  await replaceSymlink(link, 'a');
  assert.equal(lstatSync(link).ino, before, 'not replaced');

  const occupied = join(dir, 'occupied');
  mkdirSync(join(occupied, 'inside'), { recursive: true }); // rename cannot put a link over a folder
  await assert.rejects(replaceSymlink(occupied, 'a'), /EISDIR|ENOTEMPTY|EEXIST|ENOTDIR/);
  assert.deepEqual(
    readdirSync(dir).filter((name) => name.startsWith(TEMP_LINK_PREFIX)),
    [],
  );
});
