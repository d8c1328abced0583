// Durability for atomic publishing (config-init's set, git-sync's link): after a rename, the
// directory itself must be fsynced, or a crash can forget the rename.
import { open } from 'node:fs/promises';

export async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
