// Where the site is right now. git-sync publishes `<root>/<link> -> .worktrees/<gen>/<sha>` and swaps
// the link atomically; each request takes the revision once, then works only with it, so a
// request that began on one revision finishes on it even if the link moves.
//
// The link is read again when it changes, not on every request: a watch on its folder (inotify)
// marks it stale the moment git-sync renames the new link into place, and it is re-read at least
// every `recheckMs` in case an event was missed. A readlink per request would cost a third of
// the site's throughput; the old revision stays valid meanwhile, since git-sync keeps old
// worktrees for a while after the swap.
import { type FSWatcher, readlinkSync, realpathSync, watch } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface Revision {
  /** Real path of the folder served (the worktree, plus CONTENT_SUBDIR). */
  root: string;
  /** The commit the link points to: the worktree's folder name. */
  sha: string;
  /**
   * True for a git-sync worktree, which is never modified once published, so what is read from
   * it may be cached under its sha. False for a plain folder (local runs), which may change.
   */
  immutable: boolean;
}

export interface RevisionChange {
  sha: string;
  at: string;
}

export class ContentSource {
  #linkTarget: string | undefined;
  #revision: Revision | undefined;
  #checkedAt = 0;
  #stale = true;
  #watcher: FSWatcher | undefined;
  #wantWatch = false;
  #changes = 0;
  #lastChange: RevisionChange | undefined;
  readonly #listeners: ((change: RevisionChange) => void)[] = [];

  constructor(
    readonly link: string,
    readonly subdir = '',
    private readonly recheckMs = 1000,
  ) {}

  /** Watches the link's folder so a swap is seen at once; without it, the link is read on every call. */
  watch(): void {
    this.#wantWatch = true;
    try {
      this.#watcher = watch(dirname(this.link), { persistent: false }, () => {
        this.#stale = true;
      });
      this.#watcher.on('error', () => {
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch {
      this.#watcher = undefined; // the folder does not exist yet: read the link every time
    }
  }

  unwatch(): void {
    this.#wantWatch = false;
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  /** The revision to serve, or undefined until the first sync. */
  current(): Revision | undefined {
    const now = Date.now();
    if (this.#watcher && !this.#stale && this.#revision && now - this.#checkedAt < this.recheckMs) {
      return this.#revision;
    }
    this.#stale = false;
    this.#checkedAt = now;
    let target: string;
    try {
      target = readlinkSync(this.link);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return this.#forget();
      if (code !== 'EINVAL') throw error;
      target = '(directory)'; // a plain folder, as in local runs without git-sync
    }
    if (target === this.#linkTarget && this.#revision) return this.#revision;

    let real: string;
    let root: string;
    try {
      real = realpathSync.native(this.link);
      root = this.subdir ? realpathSync.native(join(real, this.subdir)) : real;
    } catch {
      return this.#forget(); // a dangling link or a missing subdir: nothing to serve yet
    }
    if (root !== real && !root.startsWith(`${real}/`)) return this.#forget(); // the subdir links out
    if (this.#wantWatch && !this.#watcher) this.watch(); // the folder exists now
    const sha = basename(real);
    const changed = this.#revision?.sha !== sha;
    this.#linkTarget = target;
    this.#revision = { root, sha, immutable: target !== '(directory)' };
    if (changed) {
      this.#changes += 1;
      this.#lastChange = { sha, at: new Date().toISOString() };
      for (const listener of this.#listeners) listener(this.#lastChange);
    }
    return this.#revision;
  }

  /** How many times the served revision changed since start (the first sync counts). */
  get changes(): number {
    return this.#changes;
  }

  get lastChange(): RevisionChange | undefined {
    return this.#lastChange;
  }

  onChange(listener: (change: RevisionChange) => void): void {
    this.#listeners.push(listener);
  }

  #forget(): undefined {
    this.#linkTarget = undefined;
    this.#revision = undefined;
    return undefined;
  }
}
