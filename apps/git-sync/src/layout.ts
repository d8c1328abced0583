// The on-disk contract, as kubernetes/git-sync v4's, plus one generation level:
//
//   <root>/.git/                         the repository (bare)
//   <root>/.worktrees/<gen>/<sha>/       one checkout per published revision
//   <root>/<link> -> .worktrees/<gen>/<sha>   relative symlink; its basename is the synced SHA
//
// As in v4, the link may also be a path: relative ones (`sub/dir/site`) are under the root,
// absolute ones anywhere; the symlink is then relative from its own folder.
//
// The generation lets a damaged tree be rebuilt beside the live one for the same SHA and
// swapped in, instead of being repaired in place under a reader. Publishing renames a fresh
// symlink over the link (atomic), so readers see the old tree or the new one, never a mix.
import { mkdir, readdir, readlink, rm, stat, utimes } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { replaceSymlink, TEMP_LINK_PREFIX } from '@pod-patterns/kit';

export interface Published {
  /** Absolute path of the live worktree. */
  path: string;
  sha: string;
  generation: number;
}

export class Layout {
  readonly gitDir: string;
  readonly worktrees: string;
  readonly link: string;

  constructor(
    readonly root: string,
    link: string,
  ) {
    this.gitDir = join(root, '.git');
    this.worktrees = join(root, '.worktrees');
    this.link = resolve(root, link);
  }

  /** Why the link cannot be where it was asked for, or undefined when it can. */
  linkProblem(): string | undefined {
    const inRoot = relative(this.root, this.link);
    if (inRoot === '') return 'it would be the root itself';
    if (/^\.(git|worktrees)(\/|$)/.test(inRoot))
      return `it would be inside ${inRoot.split('/')[0]}, which git-sync owns`;
    if (basename(this.link).startsWith(TEMP_LINK_PREFIX))
      return `names starting with ${TEMP_LINK_PREFIX} are git-sync's temporary links`;
    return undefined;
  }

  /** What the link points at now, if it points at a worktree of ours. */
  async published(): Promise<Published | undefined> {
    let target: string;
    try {
      target = await readlink(this.link);
    } catch {
      return undefined;
    }
    const path = resolve(dirname(this.link), target);
    const match = /^\.worktrees\/(\d+)\/([0-9a-f]{40}|[0-9a-f]{64})$/.exec(relative(this.root, path));
    if (!match) return undefined;
    return { path, sha: match[2] as string, generation: Number(match[1]) };
  }

  /** A new, unused generation folder for `sha`. */
  async nextWorktree(sha: string): Promise<{ path: string; generation: number }> {
    await mkdir(this.worktrees, { recursive: true });
    const existing = (await readdir(this.worktrees)).map(Number).filter(Number.isInteger);
    const generation = Math.max(0, ...existing) + 1;
    await mkdir(join(this.worktrees, String(generation)));
    return { path: join(this.worktrees, String(generation), sha), generation };
  }

  /** Points the link at `worktree` atomically, and marks the one it replaced as superseded now. */
  async publish(worktree: string): Promise<void> {
    const previous = await this.published();
    const folder = dirname(this.link);
    await mkdir(folder, { recursive: true });
    await replaceSymlink(this.link, relative(folder, worktree));
    if (previous && previous.path !== worktree) {
      const now = new Date();
      await utimes(join(this.worktrees, String(previous.generation)), now, now).catch(() => {});
    }
  }

  /**
   * Generations other than the live one, with when they were superseded (the folder's mtime,
   * set by publish), so cleanup survives a restart.
   */
  async oldGenerations(): Promise<{ dir: string; supersededAt: number }[]> {
    const live = await this.published();
    let names: string[];
    try {
      names = await readdir(this.worktrees);
    } catch {
      return [];
    }
    const old: { dir: string; supersededAt: number }[] = [];
    for (const name of names) {
      if (live && name === String(live.generation)) continue;
      const dir = join(this.worktrees, name);
      old.push({ dir, supersededAt: (await stat(dir)).mtimeMs });
    }
    return old;
  }

  async removeGeneration(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /** Removes links a killed publish left behind (replaceSymlink's, named after the link). */
  async removeTempLinks(): Promise<string[]> {
    const removed: string[] = [];
    const folder = dirname(this.link);
    const prefix = `${TEMP_LINK_PREFIX}${basename(this.link)}_`;
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      if (name.startsWith(prefix)) {
        await rm(join(folder, name), { force: true });
        removed.push(name);
      }
    }
    return removed;
  }
}

/** v4's default: the last `/`-separated part of the repo, as it is (`site.git` stays `site.git`). */
export function defaultLinkName(repo: string): string {
  return (
    repo
      .replace(/^\/+|\/+$/g, '')
      .split('/')
      .at(-1) || 'repo'
  );
}

/** `--group-write`: adds g+w to every file and folder of a worktree (links are left alone). */
export async function makeGroupWritable(dir: string): Promise<void> {
  const { chmod, lstat } = await import('node:fs/promises');
  const walk = async (path: string): Promise<void> => {
    const info = await lstat(path);
    if (info.isSymbolicLink()) return;
    await chmod(path, info.mode | 0o020);
    if (info.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  };
  await walk(dir);
}
