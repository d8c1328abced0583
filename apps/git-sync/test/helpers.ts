import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir as makeTempDir, type Running, spawnNode } from '@pod-patterns/testing';

export { startGitHttp } from '@pod-patterns/testing';

export const entrypoint = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export function tempDir(prefix = 'git-sync-'): string {
  return makeTempDir(prefix);
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }).trim();
}

/** A real repository to sync from, with a `main` branch. */
export class Origin {
  readonly dir: string;

  constructor(parent = tempDir('origin-')) {
    this.dir = join(parent, 'site.git');
    execFileSync('git', ['init', '--quiet', '-b', 'main', this.dir]);
    git(this.dir, 'config', 'user.email', 'test@example.com');
    git(this.dir, 'config', 'user.name', 'Test');
    git(this.dir, 'config', 'uploadpack.allowAnySHA1InWant', 'true');
  }

  get url(): string {
    return `file://${this.dir}`;
  }

  /** Writes (or, with null, deletes) files and commits them; returns the commit's SHA. */
  commit(files: Record<string, string | null>, message = 'change'): string {
    for (const [path, content] of Object.entries(files)) {
      const file = join(this.dir, path);
      if (content === null) rmSync(file, { force: true });
      else {
        execFileSync('mkdir', ['-p', dirname(file)]);
        writeFileSync(file, content);
      }
    }
    git(this.dir, 'add', '-A');
    git(this.dir, 'commit', '--quiet', '--allow-empty', '-m', message);
    return git(this.dir, 'rev-parse', 'HEAD');
  }
}

export interface GitSync extends Running {
  port: number;
  health(): Promise<{ status: number; body: Record<string, unknown> }>;
  metrics(): Promise<string>;
}

/** Starts the built git-sync with the given GITSYNC_* env (and v4 flags, if any). */
export async function startGitSync(env: Record<string, string>, args: string[] = []): Promise<GitSync> {
  const running = spawnNode(entrypoint, args, {
    env: {
      GITSYNC_HTTP_BIND: '127.0.0.1:0',
      GITSYNC_PERIOD: '200ms',
      GITSYNC_STALE_WORKTREE_TIMEOUT: '1m',
      GITSYNC_LINK: 'site',
      ...env,
    },
  });
  const line = await running.waitForLog('http listening');
  const port = line.port as number;
  return {
    ...running,
    port,
    async health() {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async metrics() {
      return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    },
  };
}

/** Runs git-sync to completion (one-time mode or a failure exit). */
export async function runGitSync(
  env: Record<string, string>,
  args: string[] = [],
  options: { cwd?: string; uid?: number } = {},
): Promise<Running & { code: number | null }> {
  const running = spawnNode(entrypoint, args, {
    env: { GITSYNC_HTTP_BIND: 'off', GITSYNC_PERIOD: '200ms', GITSYNC_LINK: 'site', ...env },
    ...options,
  });
  return { ...running, code: await running.exited };
}
