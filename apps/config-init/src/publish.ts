// Publishing a set of files so that readers see the old set or the new one, never a mix, and a
// failed run leaves the old set untouched. The layout is the kubelet's own for ConfigMap and
// Secret volumes (its AtomicWriter), which many readers already know:
//
//   <dir>/app.json -> ..data/app.json       one stable symlink per file
//   <dir>/..data   -> ..2026_11_25_15_42_00.123_ab12cd   swapped by rename(2), atomically
//   <dir>/..2026_11_25_15_42_00.123_ab12cd/app.json     the files of this generation
//
// Every file of a generation is written and fsynced before `..data` is swapped, and the
// directory is fsynced after, so a crash at any point leaves a complete set in place.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readlink, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, replaceSymlink, TEMP_LINK_PREFIX } from '@pod-patterns/kit';
import { InitError } from './exit-codes.js';

export const DATA_LINK = '..data';

export interface Published {
  dir: string;
  generation: string;
  files: string[];
}

export async function publishSet(dir: string, files: Map<string, Buffer>, fileMode: number): Promise<Published> {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '_').replace('Z', '');
  const generation = `..${stamp}_${randomBytes(3).toString('hex')}`;
  const genDir = join(dir, generation);
  // Directories need the execute bit wherever the files are readable.
  const dirMode = fileMode | ((fileMode & 0o444) >> 2);
  let swapped = false;
  try {
    await mkdir(dir, { recursive: true });
    await mkdir(genDir, { mode: dirMode });
    for (const [name, content] of files) await writeDurably(join(genDir, name), content, fileMode);
    await fsyncDir(genDir);

    await replaceSymlink(join(dir, DATA_LINK), generation);
    swapped = true;
    for (const name of files.keys()) await replaceSymlink(join(dir, name), `${DATA_LINK}/${name}`);
    await removeStale(dir, generation, new Set(files.keys()));
    await fsyncDir(dir);
  } catch (error) {
    if (!swapped) await rm(genDir, { recursive: true, force: true }).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    throw new InitError('cannotWrite', `cannot publish to ${dir}: ${code ?? ''} ${(error as Error).message}`.trim());
  }
  return { dir, generation, files: [...files.keys()] };
}

async function writeDurably(path: string, content: Buffer, mode: number): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode); // the umask may have narrowed the mode open() asked for
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes older generations and the links of files that are no longer in the set. */
async function removeStale(dir: string, current: string, names: Set<string>): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name.startsWith('..') && entry.name !== current) {
      await rm(join(dir, entry.name), { recursive: true, force: true });
    } else if (entry.isSymbolicLink() && !names.has(entry.name) && entry.name !== DATA_LINK) {
      const target = await readlink(join(dir, entry.name));
      if (target.startsWith(`${DATA_LINK}/`) || entry.name.startsWith(TEMP_LINK_PREFIX))
        await unlink(join(dir, entry.name));
    }
  }
}
