// The repository under <root>/.git and what is done with it: fetch one ref, check a revision out
// into a new worktree, verify a published tree, clean up after a killed git. Every command is
// the real git CLI; arguments that come from config follow `--` where git allows it.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Git, GitError } from './git.js';

export class SyncError extends Error {}

export interface RepoOptions {
  repo: string;
  ref: string;
  depth: number;
  submodules: 'recursive' | 'shallow' | 'off';
  sparsePatterns: string[] | undefined;
}

const FULL_SHA = /^([0-9a-f]{40}|[0-9a-f]{64})$/;
const SYNCED_REF = 'refs/git-sync/synced';
/** Where the depth of the last fetch is kept, in the repository's own config. */
const DEPTH_KEY = 'gitsync.fetched-depth';

export class Repo {
  constructor(
    private readonly git: Git,
    readonly gitDir: string,
    private readonly options: RepoOptions,
  ) {}

  #g(args: string[], env: NodeJS.ProcessEnv = {}, signal?: AbortSignal, cwd?: string): Promise<string> {
    return this.git.run(cwd ? args : ['--git-dir', this.gitDir, ...args], { env, signal, cwd });
  }

  /** True when <root>/.git is a usable repository whose origin is the configured remote. */
  async healthy(): Promise<boolean> {
    try {
      await stat(this.gitDir);
      await this.#g(['rev-parse', '--is-bare-repository']);
      await this.#g(['fsck', '--connectivity-only', '--no-progress', '--no-dangling']);
      return (await this.#g(['config', '--get', 'remote.origin.url'])) === this.options.repo;
    } catch {
      return false;
    }
  }

  /** Creates the repository afresh. The live worktrees' files stay readable meanwhile. */
  async init(): Promise<void> {
    await rm(this.gitDir, { recursive: true, force: true });
    await this.git.run(['init', '--quiet', '--bare', '--', this.gitDir]);
    // The URL is stored without credentials: those come from GIT_ASKPASS for each command.
    await this.#g(['config', 'remote.origin.url', this.options.repo]);
    await this.#g(['config', 'gc.auto', '256']);
  }

  /** Fetches the configured ref and returns the commit it names. */
  /**
   * The commit to publish, and whether it took a fetch. As in v4, nothing is fetched when the
   * commit is already here: a SHA ref we have, or a ref whose remote commit (asked with
   * ls-remote, which downloads no objects) is the one synced last.
   */
  async fetch(env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<{ sha: string; fetched: boolean }> {
    const { ref, depth } = this.options;
    // A depth changed since the last fetch (a manifest edited, the pod rolled) is fetched again
    // even for the same commit, so that the history is as deep as asked, as v4 does.
    const sameDepth = (await this.#fetchedDepth()) === depth;
    if (sameDepth && FULL_SHA.test(ref) && (await this.hasCommit(ref))) return { sha: ref, fetched: false };
    const needsHistory = depth === 0 && (await this.#isShallow());
    const remote = FULL_SHA.test(ref) || needsHistory ? undefined : await this.#remoteSha(ref, env, signal);
    if (sameDepth && remote && remote === (await this.#synced())) return { sha: remote, fetched: false };
    // The fetched commit is read from FETCH_HEAD: no local branch is kept, so a force-push or a
    // rewritten history is simply the next commit to publish, never a non-fast-forward error.
    const args = ['fetch', '--quiet', '--no-tags'];
    if (depth > 0) args.push('--depth', String(depth));
    else if (await this.#isShallow()) args.push('--unshallow');
    args.push('origin', ref);
    try {
      await this.#g(args, env, signal);
    } catch (error) {
      throw explain(error, ref, this.options.repo);
    }
    const sha = await this.#g(['rev-parse', '--verify', 'FETCH_HEAD^{commit}']);
    // A ref of our own, moved to every fetched commit (force-moved, so history rewrites are
    // fine): git negotiates with local refs, and without one every fetch would download the
    // whole history again. It also keeps the synced commit safe from gc.
    await this.#g(['update-ref', SYNCED_REF, sha]);
    await this.#g(['config', DEPTH_KEY, String(depth)]);
    return { sha, fetched: true };
  }

  /** The --depth the last fetch used, kept in the repository's config; undefined before any. */
  async #fetchedDepth(): Promise<number | undefined> {
    const value = await this.#g(['config', '--get', DEPTH_KEY]).catch(() => undefined);
    return value === undefined ? undefined : Number(value);
  }

  /** The commit `ref` names on the remote, when ls-remote says it unambiguously. */
  async #remoteSha(ref: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<string | undefined> {
    let listing: string;
    try {
      listing = await this.#g(['ls-remote', 'origin', ref, `${ref}^{}`], env, signal);
    } catch (error) {
      throw explain(error, ref, this.options.repo);
    }
    const names = new Set([ref, `refs/heads/${ref}`, `refs/tags/${ref}`]);
    const matches = new Map<string, string>();
    for (const line of listing.split('\n')) {
      const [sha, name] = line.split('\t');
      if (!sha || !name) continue;
      const peeled = name.endsWith('^{}');
      const base = peeled ? name.slice(0, -3) : name;
      // An annotated tag's own object is not a commit: its peeled line names the commit.
      if (names.has(base) && (peeled || !matches.has(base))) matches.set(base, sha);
    }
    // A branch and a tag of the same name: let fetch decide (and fail) as it would.
    return matches.size === 1 ? [...matches.values()][0] : undefined;
  }

  async #synced(): Promise<string | undefined> {
    return this.#g(['rev-parse', '--verify', '--quiet', SYNCED_REF]).catch(() => undefined);
  }

  async hasCommit(sha: string): Promise<boolean> {
    try {
      await this.#g(['cat-file', '-e', `${sha}^{commit}`]);
      return true;
    } catch {
      return false;
    }
  }

  async #isShallow(): Promise<boolean> {
    return stat(join(this.gitDir, 'shallow')).then(
      () => true,
      () => false,
    );
  }

  /** Checks `sha` out into a new worktree at `path`: sparse patterns and submodules included. */
  async checkout(path: string, sha: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<void> {
    // A worktree folder deleted from outside (v4's worktree_unexpected_removal) stays registered,
    // and git refuses to add one at its path again until the registration is pruned.
    await this.#g(['worktree', 'prune'], env, signal);
    await this.#g(['worktree', 'add', '--quiet', '--detach', '--no-checkout', path, sha], env, signal);
    if (this.options.sparsePatterns) {
      await this.git.run(['sparse-checkout', 'set', '--no-cone', '--', ...this.options.sparsePatterns], {
        cwd: path,
        signal,
      });
    }
    await this.git.run(['checkout', '--quiet', '--detach', sha], { cwd: path, signal });
    if (this.options.submodules !== 'off') {
      const args = ['submodule', 'update', '--init', '--quiet'];
      if (this.options.submodules === 'recursive') args.push('--recursive');
      if (this.options.depth > 0) args.push('--depth', String(this.options.depth));
      await this.git.run(args, { cwd: path, env, signal }).catch((error: unknown) => {
        // git 2.38 and later refuse file:// submodules (CVE-2022-39253); so does v4, whose own
        // tests turn it on with --git-config-add. Say how, rather than git's bare refusal.
        if (error instanceof GitError && /transport 'file' not allowed/.test(error.stderr))
          throw new SyncError(
            `a submodule's URL is a local path or file://, which git refuses by default; to allow it, set GITSYNC_GIT_CONFIG=protocol.file.allow:always (--git-config-add=protocol.file.allow:always in v4): ${error.message}`,
          );
        throw error;
      });
    }
  }

  /** A published tree is sound when HEAD is its SHA and nothing in it was changed. */
  async verify(path: string, sha: string): Promise<string | undefined> {
    try {
      const head = await this.git.run(['rev-parse', 'HEAD'], { cwd: path });
      if (head !== sha) return `HEAD is ${head}, not ${sha}`;
      const status = await this.git.run(['status', '--porcelain', '--ignore-submodules=none'], { cwd: path });
      return status === '' ? undefined : `modified: ${status.split('\n').slice(0, 3).join(', ')}`;
    } catch (error) {
      return (error as Error).message;
    }
  }

  async pruneWorktrees(): Promise<void> {
    await this.#g(['worktree', 'prune']).catch(() => undefined);
  }

  async gcAuto(): Promise<void> {
    await this.#g(['gc', '--auto', '--quiet']).catch(() => undefined);
  }

  /**
   * Lock files a killed git left behind. Called at start, before this process runs any git of
   * its own, and after a sync timeout killed our git; nothing else writes this repository.
   */
  async removeStaleLocks(): Promise<string[]> {
    const removed: string[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory() && depth < 6 && entry.name !== 'objects') await walk(path, depth + 1);
        else if (entry.isFile() && entry.name.endsWith('.lock')) {
          await rm(path, { force: true });
          removed.push(path);
        }
      }
    };
    await walk(this.gitDir, 0);
    return removed;
  }

  /** Reads a sparse-checkout patterns file: one pattern a line, # comments. */
  static async readPatterns(file: string | undefined): Promise<string[] | undefined> {
    if (!file) return undefined;
    return (await readFile(file, 'utf8'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
  }
}

/** Turns git's words into the cause a person needs to read. */
function explain(error: unknown, ref: string, repo: string): Error {
  if (!(error instanceof GitError)) return error as Error;
  const text = error.stderr;
  if (/couldn't find remote ref|not our ref|no such remote ref|unadvertised object/i.test(text)) {
    return new SyncError(`ref ${ref} not found in ${repo} (deleted, renamed, or never pushed?): ${error.message}`);
  }
  if (/detected dubious ownership/.test(text)) {
    return new SyncError(
      `${repo} is owned by another user, and git refuses it; if you trust it, add --git-config-add=safe.directory:<its path> (or safe.directory:*): ${error.message}`,
    );
  }
  if (/Authentication failed|could not read Username|403|401|Permission denied \(publickey/i.test(text)) {
    return new SyncError(`authentication to ${repo} failed: ${error.message}`);
  }
  if (
    /does not appear to be a git repository|Could not resolve host|Connection refused|unable to access|Repository not found|not found/i.test(
      text,
    )
  ) {
    return new SyncError(`remote ${repo} unreachable: ${error.message}`);
  }
  return new SyncError(`fetch of ${ref} from ${repo} failed: ${error.message}`);
}
