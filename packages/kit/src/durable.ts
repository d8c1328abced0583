// Atomic, durable publishing (config-init's set, git-sync's link): readers see the old version
// or the new one, never a mix or nothing, and a crash cannot forget a rename that was made.
import { randomBytes } from 'node:crypto';
import { open, readlink, rename, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** How a temporary link starts, so a folder's cleanup can tell one left by a crash. */
export const TEMP_LINK_PREFIX = '..tmp_';

/** After a rename the directory itself must be fsynced, or a crash can forget the rename. */
export async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Points the symlink `path` at `target` by renaming a fresh symlink over it. rename(2) is atomic,
 * so a reader finds the old target or the new one, never no link at all; the temporary link is
 * made beside `path`, because a rename cannot cross filesystems.
 */
export async function replaceSymlink(path: string, target: string): Promise<void> {
  if ((await readlink(path).catch(() => undefined)) === target) return;
  const temp = join(dirname(path), `${TEMP_LINK_PREFIX}${basename(path)}_${randomBytes(3).toString('hex')}`);
  await symlink(target, temp);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await fsyncDir(dirname(path));
}
